"""Remote step backends: a backend in another process, reached over HTTP or a Unix socket.

``HttpStsBackend`` (``vona.remote.http``) and ``IpcStsBackend`` (``vona.remote.ipc``) are
the clients and implement ``SpeechToSpeechBackend``, so a remote backend drops into
``run_session`` like a local one. ``vona.remote.ipc`` also holds the Unix-socket server;
``vona.remote.session_host`` owns the served sessions for both servers (the HTTP one is
``vona.sidecar``); ``vona.remote.wire`` maps the contracts to plain data.
"""
