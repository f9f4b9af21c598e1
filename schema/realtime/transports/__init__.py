"""WebSocket transports: one module per wire protocol, each built on ``schema.realtime.session``."""
