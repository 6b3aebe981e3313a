"""Provider adapters, installed as ``vona.adapters``: one subpackage per provider.

Adapters translate a provider's wire protocol to Vona's public contracts. An adapter
imports only ``vona``'s public API (never ``vona._native``), except that a dialect imports
its family package's public names: ``azure_voice_live`` and ``qwen_realtime`` are dialects
of the OpenAI-shaped family in ``openai_realtime`` (``OpenAIShapedSession``,
``OpenAIDialect``).

Each adapter declares what it provides in its ``registration`` module, listed as entry
points in ``pyproject.toml`` (groups ``vona.backends``, ``vona.engines``, ``vona.models``,
``vona.converters``); the core finds it by name through ``vona.registry``.
"""
