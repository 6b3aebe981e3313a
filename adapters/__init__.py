"""Provider adapters, installed as ``vona.adapters``: one subpackage per provider.

Adapters translate a provider's wire protocol to Vona's public contracts. They
import only ``vona``'s public API, never ``vona._native`` nor each other.
"""
