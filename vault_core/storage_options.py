"""Storage options: the one place where fsspec's spelling and deltalake's spelling meet.

A vault's ``storage_options`` accept what fsspec (s3fs) accepts and what deltalake (Rust
``object_store``) accepts, in either spelling or mixed. Lower-case keys are fsspec keyword
arguments (``key``, ``secret``, ``endpoint_url``, ``client_kwargs={"region_name": ...}``,
``skip_instance_cache``...); upper-case keys and the ``object_store`` client keys listed in
:data:`DELTA_CLIENT_KEYS` are deltalake options (``AWS_ENDPOINT_URL``, ``AWS_REGION``...). The
S3 credentials, endpoint, region, profile and anonymous access are translated both ways, so one
dictionary serves :func:`fsspec_options` (every fsspec call) and :func:`delta_options` (every
deltalake call).

Delta commits on S3 are put-if-absent (``conditional_put="etag"``: S3's ``If-None-Match``), which
makes concurrent writers safe without a lock table; :func:`delta_options` sets it for ``s3://``
URLs and refuses ``AWS_S3_ALLOW_UNSAFE_RENAME``, which would let one writer overwrite another's
commit.

Example:
    >>> opts = {"client_kwargs": {"endpoint_url": "http://127.0.0.1:9000"}, "key": "k",
    ...         "secret": "s", "skip_instance_cache": True}
    >>> delta_options(opts, "s3://bucket/t")["AWS_ENDPOINT_URL"]
    'http://127.0.0.1:9000'
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from vault_core.exceptions import ConfigurationError

__all__ = ["DELTA_CLIENT_KEYS", "StorageOptions", "delta_options", "fsspec_options"]

StorageOptions = dict[str, Any]
"""fsspec and/or deltalake storage options (values: text, numbers, booleans, nested mappings)."""

# fsspec (s3fs) keyword -> object_store key, for plain values.
_S3_PLAIN = {
    "key": "AWS_ACCESS_KEY_ID",
    "secret": "AWS_SECRET_ACCESS_KEY",
    "token": "AWS_SESSION_TOKEN",
    "endpoint_url": "AWS_ENDPOINT_URL",
    "profile": "AWS_PROFILE",
}
# object_store aliases of the same settings (first one wins when translating back).
_DELTA_ALIASES = {
    "AWS_ACCESS_KEY_ID": ("AWS_ACCESS_KEY_ID", "ACCESS_KEY_ID"),
    "AWS_SECRET_ACCESS_KEY": ("AWS_SECRET_ACCESS_KEY", "SECRET_ACCESS_KEY"),
    "AWS_SESSION_TOKEN": ("AWS_SESSION_TOKEN", "AWS_TOKEN", "SESSION_TOKEN", "TOKEN"),
    "AWS_ENDPOINT_URL": ("AWS_ENDPOINT_URL", "AWS_ENDPOINT", "ENDPOINT_URL", "ENDPOINT"),
    "AWS_PROFILE": ("AWS_PROFILE", "PROFILE"),
    "AWS_REGION": ("AWS_REGION", "AWS_DEFAULT_REGION", "REGION", "DEFAULT_REGION"),
}
DELTA_CLIENT_KEYS = frozenset(
    {
        "allow_http",
        "allow_invalid_certificates",
        "conditional_put",
        "connect_timeout",
        "copy_if_not_exists",
        "pool_idle_timeout",
        "timeout",
        "user_agent",
    }
)
"""Lower-case ``object_store`` client options that deltalake takes and fsspec does not."""

_UNSAFE_RENAME = "AWS_S3_ALLOW_UNSAFE_RENAME"


def _is_delta_key(name: str) -> bool:
    return name.isupper() or name.lower() in DELTA_CLIENT_KEYS


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int, float)):
        return str(value)
    raise ConfigurationError(
        f"a deltalake storage option must be text, a number or a boolean, not "
        f"{type(value).__name__}"
    )


def _delta_value(options: Mapping[str, Any], canonical: str) -> Any:
    for alias in _DELTA_ALIASES[canonical]:
        for name in (alias, alias.lower()):
            if name in options:
                return options[name]
    return None


def fsspec_options(options: Mapping[str, Any] | None) -> dict[str, Any]:
    """The fsspec keyword arguments of ``options`` (deltalake spellings translated, the
    deltalake-only keys left out). Always a new dictionary, ready for ``**``."""
    if not options:
        return {}
    result = {k: v for k, v in options.items() if not _is_delta_key(k)}
    client_kwargs = dict(result.get("client_kwargs") or {})
    for fs_name, canonical in _S3_PLAIN.items():
        value = _delta_value(options, canonical)
        if value is not None and fs_name not in result and fs_name not in client_kwargs:
            result[fs_name] = value
    region = _delta_value(options, "AWS_REGION")
    if region is not None and "region_name" not in client_kwargs:
        client_kwargs["region_name"] = region
    if client_kwargs:
        result["client_kwargs"] = client_kwargs
    skip = options.get("AWS_SKIP_SIGNATURE", options.get("aws_skip_signature"))
    if skip is not None and "anon" not in result:
        result["anon"] = _text(skip).lower() == "true"
    return result


def delta_options(options: Mapping[str, Any] | None, url: str = "") -> dict[str, str] | None:
    """The deltalake (``object_store``) options of ``options`` (fsspec spellings translated,
    the fsspec-only keys left out), or None when there are none.

    For an ``s3://`` or ``s3a://`` URL, commits are made put-if-absent (``conditional_put``).

    Raises:
        ConfigurationError: A value is not a scalar, or ``AWS_S3_ALLOW_UNSAFE_RENAME`` is set
            (it lets concurrent writers overwrite each other's commits).
    """
    source = dict(options or {})
    result: dict[str, str] = {}
    for name, value in source.items():
        if _is_delta_key(name):
            if name.upper() == _UNSAFE_RENAME and _text(value).lower() == "true":
                raise ConfigurationError(
                    f"{_UNSAFE_RENAME} lets concurrent Delta writers overwrite each other's "
                    "commits; the vault commits with S3 conditional puts instead: remove it"
                )
            result[name] = _text(value)
    client_kwargs: Mapping[str, Any] = source.get("client_kwargs") or {}
    for fs_name, canonical in _S3_PLAIN.items():
        value = source.get(fs_name, client_kwargs.get(fs_name))
        if value is not None and _delta_value(result, canonical) is None:
            result[canonical] = _text(value)
    region = client_kwargs.get("region_name")
    if region is not None and _delta_value(result, "AWS_REGION") is None:
        result["AWS_REGION"] = _text(region)
    if source.get("anon") and "AWS_SKIP_SIGNATURE" not in result:
        result["AWS_SKIP_SIGNATURE"] = "true"
    addressing = ((source.get("config_kwargs") or {}).get("s3") or {}).get("addressing_style")
    if addressing == "virtual":
        result.setdefault("AWS_VIRTUAL_HOSTED_STYLE_REQUEST", "true")
    endpoint = _delta_value(result, "AWS_ENDPOINT_URL")
    if isinstance(endpoint, str) and endpoint.startswith("http://"):
        result.setdefault("AWS_ALLOW_HTTP", "true")
    if url.startswith(("s3://", "s3a://")) and not any(
        k.lower() in ("conditional_put", "aws_conditional_put") for k in result
    ):
        result["conditional_put"] = "etag"
    return result or None
