"""Transcripts: the hub (hospital directory, image store, transcript intake, outbox and delivery
worker) and the hospital inbox that receives signed transcript webhooks."""
