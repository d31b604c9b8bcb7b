"""The web pages (网页): server-rendered Chinese pages over the same services as the JSON API.

Every page works as a plain HTML form; a little vendored JavaScript (static/*.js, no inline
script: the Content-Security-Policy forbids it) enhances patrol capture with an offline queue.
Pages authenticate with a session cookie (HttpOnly, SameSite=Strict) from the same login as
`POST /api/auth/login`; every form carries a CSRF token derived from the session."""
