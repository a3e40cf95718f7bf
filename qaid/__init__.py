"""Shared pieces of the Q&Aid platform: one network config, the model-bundle manifest, image decoding."""
