"""Concrete transports and remote-backend plumbing.

``vona.transports.local`` serves a backend over a Unix socket and talks to one
(``IpcStsBackend``); ``vona.transports.http`` talks to a sidecar over HTTP
(``HttpStsBackend``); ``vona.transports.wire`` maps the contracts to plain data.
"""
