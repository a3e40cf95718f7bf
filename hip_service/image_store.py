"""Decoded uploads, kept in memory for a while so analyze/vqa/segment/heatmap need no re-upload.

Bounded three ways (count, total decoded bytes, age) because uploads come from the internet: a
flood of images must evict old ones, never grow the process. Nothing is written to disk (patient
data). The cascade result is memoised per bundle version so a hot swap recomputes it.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field

from PIL import Image

from hip_service.inference import Cascade, Segmentation


@dataclass
class StoredImage:
    image: Image.Image
    sha256: str
    format: str
    nbytes: int
    created: float
    cascades: dict[str, Cascade] = field(default_factory=dict)  # manifest sha256 -> result
    # manifest sha256 + model name -> result: the anomaly check's outline serves /segment too
    segmentations: dict[str, Segmentation] = field(default_factory=dict)


class ImageStore:
    def __init__(self, max_items: int, max_bytes: int, ttl_s: float) -> None:
        self._items: OrderedDict[str, StoredImage] = OrderedDict()
        self._lock = threading.Lock()
        self._bytes = 0
        self.max_items, self.max_bytes, self.ttl_s = max_items, max_bytes, ttl_s

    def put(self, image: Image.Image, sha256: str, fmt: str) -> str:
        image_id = secrets.token_urlsafe(16)  # unguessable: the id is the only access control per image
        nbytes = image.width * image.height * len(image.getbands())
        item = StoredImage(image, sha256, fmt, nbytes, time.monotonic())
        with self._lock:
            self._items[image_id] = item
            self._bytes += nbytes
            self._evict_locked()
        return image_id

    def get(self, image_id: str) -> StoredImage | None:
        with self._lock:
            item = self._items.get(image_id)
            if item is None:
                return None
            if time.monotonic() - item.created > self.ttl_s:
                self._drop_locked(image_id)
                return None
            self._items.move_to_end(image_id)
            return item

    def __len__(self) -> int:
        return len(self._items)

    def _drop_locked(self, image_id: str) -> None:
        item = self._items.pop(image_id)
        self._bytes -= item.nbytes

    def _evict_locked(self) -> None:
        now = time.monotonic()
        for image_id in [k for k, v in self._items.items() if now - v.created > self.ttl_s]:
            self._drop_locked(image_id)
        # Keep the newest item even if it alone exceeds max_bytes: it was within the pixel limit.
        while len(self._items) > 1 and (len(self._items) > self.max_items or self._bytes > self.max_bytes):
            self._drop_locked(next(iter(self._items)))
