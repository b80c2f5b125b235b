"""One dictionary of storage options, two spellings: fsspec's and deltalake's."""

from __future__ import annotations

from typing import Any

import pytest

from vault_core.exceptions import ConfigurationError
from vault_core.storage_options import delta_options, fsspec_options

ENDPOINT = "http://127.0.0.1:9000"


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        (  # the README's fsspec spelling, nested client_kwargs included
            {
                "client_kwargs": {"endpoint_url": ENDPOINT, "region_name": "eu-west-1"},
                "key": "k",
                "secret": "s",
                "skip_instance_cache": True,
            },
            {
                "AWS_ENDPOINT_URL": ENDPOINT,
                "AWS_REGION": "eu-west-1",
                "AWS_ACCESS_KEY_ID": "k",
                "AWS_SECRET_ACCESS_KEY": "s",
                "AWS_ALLOW_HTTP": "true",
                "conditional_put": "etag",
            },
        ),
        (  # deltalake's spelling passes through
            {"AWS_ENDPOINT_URL": "https://s3.example", "AWS_REGION": "us-east-1"},
            {
                "AWS_ENDPOINT_URL": "https://s3.example",
                "AWS_REGION": "us-east-1",
                "conditional_put": "etag",
            },
        ),
        (  # anonymous access and virtual-hosted addressing
            {"anon": True, "config_kwargs": {"s3": {"addressing_style": "virtual"}}},
            {
                "AWS_SKIP_SIGNATURE": "true",
                "AWS_VIRTUAL_HOSTED_STYLE_REQUEST": "true",
                "conditional_put": "etag",
            },
        ),
        (  # an explicit choice of the commit protocol is kept
            {"AWS_CONDITIONAL_PUT": "etag", "timeout": "30s"},
            {"AWS_CONDITIONAL_PUT": "etag", "timeout": "30s"},
        ),
    ],
)
def test_when_options_are_spelled_either_way_then_deltalake_gets_its_spelling(
    options: dict[str, Any], expected: dict[str, str]
) -> None:
    assert delta_options(options, "s3://bucket/table") == expected


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        (
            {"client_kwargs": {"endpoint_url": ENDPOINT}, "skip_instance_cache": True},
            {"client_kwargs": {"endpoint_url": ENDPOINT}, "skip_instance_cache": True},
        ),
        (
            {
                "AWS_ENDPOINT_URL": ENDPOINT,
                "AWS_ACCESS_KEY_ID": "k",
                "AWS_SECRET_ACCESS_KEY": "s",
                "AWS_REGION": "eu-west-1",
                "AWS_ALLOW_HTTP": "true",
            },
            {
                "endpoint_url": ENDPOINT,
                "key": "k",
                "secret": "s",
                "client_kwargs": {"region_name": "eu-west-1"},
            },
        ),
        ({"AWS_SKIP_SIGNATURE": "true", "conditional_put": "etag"}, {"anon": True}),
    ],
)
def test_when_options_are_spelled_either_way_then_fsspec_gets_its_spelling(
    options: dict[str, Any], expected: dict[str, Any]
) -> None:
    assert fsspec_options(options) == expected


def test_when_no_options_then_none_for_deltalake_and_empty_for_fsspec() -> None:
    assert delta_options({}, "/local/table") is None
    assert delta_options(None, "/local/table") is None
    assert fsspec_options(None) == {}


def test_when_local_table_then_no_conditional_put_is_added() -> None:
    assert delta_options({"key": "k"}, "/local/table") == {"AWS_ACCESS_KEY_ID": "k"}


def test_when_unsafe_rename_is_asked_for_then_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="AWS_S3_ALLOW_UNSAFE_RENAME"):
        delta_options({"AWS_S3_ALLOW_UNSAFE_RENAME": "true"}, "s3://bucket/table")


def test_when_a_deltalake_option_is_not_a_scalar_then_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="deltalake storage option"):
        delta_options({"AWS_REGION": ["eu-west-1"]}, "s3://bucket/table")


def test_when_dataset_has_readme_storage_options_then_it_validates() -> None:
    from vault_core.dataset import DatasetSpec

    spec = DatasetSpec(
        name="chats",
        source="s3://landing/chats/*.jsonl",
        format="jsonl",
        storage_options={"client_kwargs": {"endpoint_url": ENDPOINT}},
    )
    assert fsspec_options(spec.storage_options) == {"client_kwargs": {"endpoint_url": ENDPOINT}}
