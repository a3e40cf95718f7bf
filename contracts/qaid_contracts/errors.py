"""The one error body of every Q&Aid HTTP service and the codes it carries.

``{"error": {"code": "...", "message": "..."}}``: one parser for every client (the bot, the
launcher's checks, a hospital's tooling). The HTTP status says what kind of failure it is; the code
says which one, and is stable. A client branches on codes, never on messages.
"""

from __future__ import annotations

from typing import TypedDict

__all__ = [
    "ErrorDetail",
    "ErrorResponse",
    "STATUS_CODES",
    "BAD_REQUEST",
    "UNAUTHORIZED",
    "FORBIDDEN",
    "NOT_FOUND",
    "METHOD_NOT_ALLOWED",
    "NOT_ACCEPTABLE",
    "CONFLICT",
    "PAYLOAD_TOO_LARGE",
    "UNSUPPORTED_MEDIA_TYPE",
    "INVALID_REQUEST",
    "MALFORMED_JSON",
    "TOO_MANY_REQUESTS",
    "INTERNAL_ERROR",
    "UNAVAILABLE",
    "STORAGE_UNAVAILABLE",
    "NOT_READY",
    "EMPTY_BODY",
    "IMAGE_NOT_FOUND",
    "IMAGE_TOO_LARGE",
    "UNSUPPORTED_IMAGE_TYPE",
    "CORRUPT_IMAGE",
    "BURNED_IN_TEXT",
    "IMAGE_TOO_MANY_PIXELS",
    "INVALID_IMAGE_TOKEN",
    "TASK_NOT_OFFERED",
    "NOT_APPLICABLE",
    "UNSUPPORTED_QUESTION",
    "BUNDLE_INVALID",
    "HOSPITAL_EXISTS",
    "HOSPITAL_NOT_FOUND",
    "UNKNOWN_HOSPITAL",
    "TRANSCRIPT_NOT_FOUND",
    "TRANSCRIPT_PURGED",
    "INVALID_TRANSCRIPT",
    "CONSENT_REQUIRED",
    "NOT_CONSENTED",
    "DELIVERY_NOT_FOUND",
    "ALREADY_DELIVERED",
    "NOT_DELIVERED",
    "ENDPOINT_DISABLED",
    "MISSING_SIGNATURE",
    "INVALID_SIGNATURE",
    "INVALID_EVENT",
    "UNSUPPORTED_EVENT",
    "MESSAGE_TOO_LONG",
    "UNREACHABLE",
    "CONVERSATION_NOT_DELIVERED",
    "PATIENT_UNREACHABLE",
    "REPLY_NOT_FOUND",
    "NOT_AN_APPOINTMENT",
    "ALREADY_ANSWERED",
    "SENDER_MISMATCH",
]


class ErrorDetail(TypedDict):
    code: str
    message: str


class ErrorResponse(TypedDict):
    error: ErrorDetail


# Generic codes, one per status: what a route answers when it has nothing more specific to say.
BAD_REQUEST = "bad_request"
UNAUTHORIZED = "unauthorized"
FORBIDDEN = "forbidden"
NOT_FOUND = "not_found"
METHOD_NOT_ALLOWED = "method_not_allowed"
NOT_ACCEPTABLE = "not_acceptable"
CONFLICT = "conflict"
PAYLOAD_TOO_LARGE = "payload_too_large"
UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type"
INVALID_REQUEST = "invalid_request"  # 422: the request failed validation
TOO_MANY_REQUESTS = "too_many_requests"
INTERNAL_ERROR = "internal_error"
UNAVAILABLE = "unavailable"

STATUS_CODES: dict[int, str] = {
    400: BAD_REQUEST,
    401: UNAUTHORIZED,
    403: FORBIDDEN,
    404: NOT_FOUND,
    405: METHOD_NOT_ALLOWED,
    406: NOT_ACCEPTABLE,
    409: CONFLICT,
    413: PAYLOAD_TOO_LARGE,
    415: UNSUPPORTED_MEDIA_TYPE,
    422: INVALID_REQUEST,
    429: TOO_MANY_REQUESTS,
    500: INTERNAL_ERROR,
    503: UNAVAILABLE,
}

# Request bodies.
MALFORMED_JSON = "malformed_json"  # 400
EMPTY_BODY = "empty_body"  # 400
MESSAGE_TOO_LONG = "message_too_long"  # 413, a chat message over limits.MAX_MESSAGE_CHARS
# Storage and readiness.
STORAGE_UNAVAILABLE = "storage_unavailable"  # 503 + Retry-After: nothing was stored, send it again
NOT_READY = "not_ready"  # 503: a HIP without a loaded bundle
# Images (hub and HIP).
IMAGE_NOT_FOUND = "image_not_found"  # 404: unknown or expired id (a HIP forgets images)
IMAGE_TOO_LARGE = "image_too_large"  # 413: over limits.MAX_IMAGE_BYTES
IMAGE_TOO_MANY_PIXELS = "image_too_many_pixels"  # 413: over limits.MAX_IMAGE_PIXELS
UNSUPPORTED_IMAGE_TYPE = "unsupported_image_type"  # 415 from the hub: not PNG, JPEG or DICOM
CORRUPT_IMAGE = "corrupt_image"  # 422: the bytes claim an image type but do not decode
BURNED_IN_TEXT = "burned_in_text"  # 422 from the hub: a DICOM says text is burned into its pixels
INVALID_IMAGE_TOKEN = "invalid_image_token"  # 403
# HIP tasks and bundles.
TASK_NOT_OFFERED = "task_not_offered"  # 409: this HIP does not offer the task for this kind of image
NOT_APPLICABLE = "not_applicable"  # 409: the task's model was not trained on this kind of image
# 422: the VQA model was not trained for this question (unknown words, or no declared question type
# matches): an abstention, never an answer. The bot asks the canonical questions of capabilities.
UNSUPPORTED_QUESTION = "unsupported_question"
BUNDLE_INVALID = "bundle_invalid"  # 422: a reload refused (the old bundle keeps serving)
# Hospital directory.
HOSPITAL_EXISTS = "hospital_exists"  # 409
HOSPITAL_NOT_FOUND = "hospital_not_found"  # 404
UNKNOWN_HOSPITAL = "unknown_hospital"  # 422: a transcript names a hospital the hub does not know
# Transcripts.
TRANSCRIPT_NOT_FOUND = "transcript_not_found"
TRANSCRIPT_PURGED = "transcript_purged"  # 410: removed by the retention purge
INVALID_TRANSCRIPT = "invalid_transcript"
CONSENT_REQUIRED = "consent_required"  # 422: the schema refuses a transcript without consent
NOT_CONSENTED = "not_consented"  # 403: an inbox received a transcript that does not name it
# Deliveries (hub outbox) and webhooks (inbox).
DELIVERY_NOT_FOUND = "delivery_not_found"
ALREADY_DELIVERED = "already_delivered"
NOT_DELIVERED = "not_delivered"
ENDPOINT_DISABLED = "endpoint_disabled"
MISSING_SIGNATURE = "missing_signature"
INVALID_SIGNATURE = "invalid_signature"
INVALID_EVENT = "invalid_event"
UNSUPPORTED_EVENT = "unsupported_event"
# Client side only: a call that got no HTTP answer at all (connection refused, timeout).
UNREACHABLE = "unreachable"
# Replies (a doctor's message or appointment, the patient's answer).
CONVERSATION_NOT_DELIVERED = "conversation_not_delivered"  # 404: no transcript of it went to this hospital
PATIENT_UNREACHABLE = "patient_unreachable"  # 409: the hub has no way back to this conversation
REPLY_NOT_FOUND = "reply_not_found"  # 404 (also for a reply of another conversation)
NOT_AN_APPOINTMENT = "not_an_appointment"  # 409: only an appointment can be accepted or declined
ALREADY_ANSWERED = "already_answered"  # 409: the patient gave the other answer before
SENDER_MISMATCH = "sender_mismatch"  # 422: the sender id given at intake is not this conversation's
