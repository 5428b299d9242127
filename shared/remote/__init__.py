"""Serving over Streamable HTTP for a team: the SDK's transport in stateless mode, bearer tokens and OAuth (as a
resource server), roles, network allow-lists and limits. Nothing here speaks the protocol itself: the SDK does;
this package configures it and guards the door."""
