from typing import Any

import boto3
import pytest

from vault_core.crypto import (
    AwsKmsProvider,
    KeyCache,
    KeyNotFoundError,
    WrongKeyError,
    open_sealed,
    read_header,
    rewrap_header,
    seal,
)

pytestmark = pytest.mark.integration
AD = b"vault/cas/v2\0address\0ds"


@pytest.fixture(scope="module")
def kms_endpoint(aws_endpoint: str) -> str:
    return aws_endpoint


class CountingClient:
    """A real boto3 client that counts the Decrypt calls reaching the server."""

    def __init__(self, endpoint: str) -> None:
        self.inner = boto3.client("kms", endpoint_url=endpoint, region_name="us-east-1")
        self.decrypts = 0

    def __getattr__(self, name: str) -> Any:
        if name == "decrypt":
            self.decrypts += 1
        return getattr(self.inner, name)


@pytest.fixture
def provider(kms_endpoint: str, request: pytest.FixtureRequest) -> AwsKmsProvider:
    prefix = f"alias/vault-test-{request.node.name[:40].replace('[', '-').replace(']', '')}"
    return AwsKmsProvider(endpoint_url=kms_endpoint, region_name="us-east-1", alias_prefix=prefix)


def test_when_sealed_with_kms_then_opens_and_context_is_enforced(provider: AwsKmsProvider) -> None:
    blob = seal(b"kms payload", provider=provider, scope="ds", associated_data=AD)
    header = read_header(blob)
    assert header.key_id.startswith("aws-kms:ds:v1:")
    assert open_sealed(blob, provider=provider, associated_data=AD) == b"kms payload"
    with pytest.raises(WrongKeyError):
        open_sealed(blob, provider=provider, associated_data=AD + b"x")


def test_when_rotated_then_reencrypt_moves_to_v2_and_destroying_v1_keeps_data(
    provider: AwsKmsProvider,
) -> None:
    blob = seal(b"rotate me", provider=provider, scope="ds", associated_data=AD)
    header = read_header(blob)
    new_id = provider.rotate("ds")
    assert new_id.startswith("aws-kms:ds:v2:")
    new_header = rewrap_header(header, provider, AD)
    assert read_header(new_header).key_id == new_id
    provider.destroy(header.key_id)
    assert open_sealed(new_header + blob[header.header_len :], provider=provider,
                       associated_data=AD) == b"rotate me"  # fmt: skip
    assert [v.status for v in provider.versions("ds")] == ["destroyed", "active"]


def test_when_kms_key_destroyed_then_data_is_shredded_even_if_cached(
    kms_endpoint: str,
) -> None:
    client = CountingClient(kms_endpoint)
    provider = AwsKmsProvider(client, alias_prefix="alias/vault-shred", cache=KeyCache(8, 60))
    blob = seal(b"erase me", provider=provider, scope="ds", associated_data=AD)
    assert open_sealed(blob, provider=provider, associated_data=AD) == b"erase me"
    assert open_sealed(blob, provider=provider, associated_data=AD) == b"erase me"
    assert client.decrypts == 1  # second open served by the data-key cache
    provider.destroy(read_header(blob).key_id)
    with pytest.raises(KeyNotFoundError) as info:
        open_sealed(blob, provider=provider, associated_data=AD)
    assert info.value.destroyed


def test_when_subkey_derived_then_stable_and_purpose_bound(
    provider: AwsKmsProvider, kms_endpoint: str
) -> None:
    again = AwsKmsProvider(endpoint_url=kms_endpoint, region_name="us-east-1",
                           alias_prefix=provider._prefix)  # fmt: skip
    key = provider.derive_subkey("vault/cas-address/v2/ds")
    assert len(key) == 32
    assert again.derive_subkey("vault/cas-address/v2/ds") == key
    assert provider.derive_subkey("vault/cas-address/v2/other") != key


def test_when_key_cache_is_full_or_expired_then_entries_leave() -> None:
    now = [0.0]
    cache = KeyCache(2, 10, clock=lambda: now[0])
    cache.put(b"a", "k1", b"A")
    cache.put(b"b", "k1", b"B")
    cache.put(b"c", "k2", b"C")
    assert (cache.get(b"a"), cache.get(b"b"), cache.get(b"c")) == (None, b"B", b"C")
    cache.evict_key_id("k1")
    assert cache.get(b"b") is None
    now[0] = 11
    assert cache.get(b"c") is None
    assert len(cache) == 0
