"""Files: direct uploads (signed PUT URLs, consumed once) and signed, expiring download links.

The one file path of every domain: what a file may be (``files``), how a client sends it
straight to the server before a mutation attaches it (``models.DirectUpload``, ``services``,
``views.direct_upload``) and how it is read back (``downloads``).
"""
