"""The reference inbox a hospital runs to receive signed transcript webhooks (the doctor's pages)."""
