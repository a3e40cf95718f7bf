"""The transcript: its schema and its renderings (FHIR R4B Bundle, PDF), shared by hub and inbox."""
