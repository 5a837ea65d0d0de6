"""Offline daily drill: the web app manifest, the service worker and the offline shell page."""
