"""Bluetooth LE: device profiles, decoders and the streaming client."""
