"""The test harness shipped with Vona (loopback provider fakes in ``vona.testing.fakes``)."""
