"""Note HTML: the documented subset, cleaned with nh3 (ammonia) before anything is stored.

Kept: bold (``b``/``strong``), italics (``i``/``em``), underline (``u``), paragraphs, line
breaks, links, images and video embeds. Everything else is removed: unknown tags are
unwrapped (their text stays), ``script``/``style`` go with their content, every ``on*``
handler and ``style`` attribute is dropped.

- Links keep ``href`` only for ``http``, ``https`` and ``mailto``; nh3 adds
  ``rel="noopener noreferrer nofollow"``.
- Images keep ``src`` only for ``http``/``https`` or this server's own attachment path
  (``ATTACHMENT_PATH_PREFIX``); an image without an acceptable ``src`` loses it.
- Video embeds are ``iframe`` elements whose ``src`` is ``https`` on one of
  ``VIDEO_HOSTS``; any other iframe loses its ``src`` (an inert empty frame).
- Plain ``\\n`` line breaks are kept as they are (the documentation allows both ``<p>``
  and ``\\n``): the stored content is what the sender wrote, minus what is not allowed.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import nh3

ATTACHMENT_PATH_PREFIX = "/chat/attachments?token="

VIDEO_HOSTS = frozenset({
    "www.youtube.com", "youtube.com", "www.youtube-nocookie.com", "youtube-nocookie.com",
    "player.vimeo.com",
})

TAGS = frozenset({"b", "strong", "i", "em", "u", "p", "br", "a", "img", "iframe"})
ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "iframe": {"src", "width", "height", "title", "allowfullscreen", "frameborder"},
}
LINK_REL = "noopener noreferrer nofollow"
LINK_SCHEMES = frozenset({"http", "https", "mailto"})


def _http_url(value: str) -> bool:
    parts = urlsplit(value.strip())
    return parts.scheme.lower() in {"http", "https"} and bool(parts.netloc)


def _attribute(tag: str, name: str, value: str) -> str | None:
    """nh3's per-attribute hook: ``None`` drops the attribute."""
    if tag == "a" and name == "href":
        scheme = urlsplit(value.strip()).scheme.lower()
        return value if scheme in LINK_SCHEMES and (scheme == "mailto" or _http_url(value)) else None
    if tag == "img" and name == "src":
        if _http_url(value) or (value.startswith(ATTACHMENT_PATH_PREFIX) and "//" not in value):
            return value
        return None
    if tag == "iframe" and name == "src":
        parts = urlsplit(value.strip())
        host = (parts.hostname or "").lower()
        return value if parts.scheme.lower() == "https" and host in VIDEO_HOSTS else None
    if name in {"width", "height"}:
        return value if value.isascii() and value.isdigit() and len(value) <= 5 else None
    return value


def clean_html(content: str) -> str:
    return nh3.clean(
        content,
        tags=set(TAGS),
        attributes={tag: set(names) for tag, names in ATTRIBUTES.items()},
        attribute_filter=_attribute,
        url_schemes=set(LINK_SCHEMES),
        link_rel=LINK_REL,
        strip_comments=True,
    )


def has_substance(cleaned: str) -> bool:
    """Whether cleaned content shows anything: text, an image or a video embed."""
    if "<img src=" in cleaned or "<iframe src=" in cleaned:
        return True
    text = nh3.clean(cleaned, tags=set())
    return bool(text.replace("&nbsp;", "").strip())
