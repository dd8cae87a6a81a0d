"""The bundled demo: the stand-in stores, the webhook receiver and the demo config."""
