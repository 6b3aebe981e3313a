"""Compiled extension modules (private). Use vona.dsp and vona.codec instead."""
