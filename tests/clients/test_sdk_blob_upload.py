"""The Azure SDK for Python's Blob client (azure-storage-blob) uploading and reading blobs in
`converge emulator`'s blob data plane, unchanged, with an Entra ID token for
https://storage.azure.com/: Put Blob, Put Block + Put Block List (the SDK's chunked upload and
explicit stage_block / commit_block_list, reusing a committed block), ranged Get Blob (chunked
download), Get Blob Properties, List Blobs with a prefix, a delimiter and pages, names holding
'/', and the errors a client sees (BlobNotFound, InvalidBlockList, BlobAlreadyExists).

Run: /usr/bin/python3 test_sdk_blob_upload.py <path-to-converge>   (exit 77 = skipped)
"""
import base64
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Emulator, check, skip_unless  # noqa: E402

skip_unless("azure.identity", "azure.mgmt.resource", "azure.storage.blob")

from azure.core.exceptions import HttpResponseError, ResourceExistsError, ResourceNotFoundError  # noqa: E402
from azure.mgmt.resource import ResourceManagementClient  # noqa: E402
from azure.mgmt.resource.resources.models import GenericResource  # noqa: E402
from azure.storage.blob import BlobBlock, BlobClient, ContainerClient  # noqa: E402

ACCOUNT = "stmodels01"


def block_id(n):
    return base64.b64encode(f"block-{n:06d}".encode()).decode()


def main():
    with Emulator(sys.argv[1]) as emu:
        cred = emu.credential()
        rm = ResourceManagementClient(cred, emu.subscription, base_url=emu.base_url)
        rm.resource_groups.create_or_update("rg-blobs", {"location": "westeurope"})
        rm.resources.begin_create_or_update_by_id(
            f"/subscriptions/{emu.subscription}/resourceGroups/rg-blobs/providers/Microsoft.Storage/storageAccounts/{ACCOUNT}",
            "2023-01-01", GenericResource(location="westeurope", kind="StorageV2", sku={"name": "Standard_LRS"},
                                          properties={})).result()
        account_url = f"{emu.base_url}/{ACCOUNT}"
        container = ContainerClient(account_url, "azureml-blobstore", credential=cred)
        container.create_container()

        # One-shot Put Blob of a name holding '/'.
        small = BlobClient(account_url, "azureml-blobstore", "LocalUpload/abc123/model/config.json", credential=cred)
        small.upload_blob(b'{"layers": 3}', metadata={"origin": "converge"})
        check(small.download_blob().readall() == b'{"layers": 3}', "small blob content")
        props = small.get_blob_properties()
        check(props.size == 13 and props.metadata == {"origin": "converge"}, f"small blob properties {props.size}")
        try:
            small.upload_blob(b"again")  # overwrite=False: If-None-Match: *
            check(False, "an existing blob was overwritten without overwrite=True")
        except ResourceExistsError as error:
            check(error.error_code == "BlobAlreadyExists", f"overwrite code {error.error_code}")

        # A chunked upload: the SDK stages blocks and commits the list; a chunked, ranged download.
        data = bytes((i * 7 + 3) % 251 for i in range(10_000))
        big = BlobClient(account_url, "azureml-blobstore", "LocalUpload/abc123/model/weights.bin", credential=cred,
                         max_single_put_size=2048, max_block_size=1024, max_single_get_size=1500,
                         max_chunk_get_size=1024)
        big.upload_blob(data, overwrite=True)
        check(big.get_blob_properties().size == len(data), "chunked upload size")
        check(big.download_blob().readall() == data, "chunked upload content (ranged download)")
        check(big.download_blob(offset=5000, length=10).readall() == data[5000:5010], "a range of the blob")

        # Explicit blocks: stage, commit, then commit again keeping a committed block.
        staged = BlobClient(account_url, "azureml-blobstore", "LocalUpload/abc123/model/staged.txt", credential=cred)
        staged.stage_block(block_id(1), b"hello ")
        staged.stage_block(block_id(2), b"world")
        try:
            staged.commit_block_list([BlobBlock(block_id=block_id(3))])
            check(False, "a block list naming an unknown block was committed")
        except HttpResponseError as error:
            check(error.status_code == 400 and error.error_code == "InvalidBlockList", f"bad list {error.error_code}")
        staged.commit_block_list([BlobBlock(block_id=block_id(1)), BlobBlock(block_id=block_id(2))])
        check(staged.download_blob().readall() == b"hello world", "committed blocks")
        staged.stage_block(block_id(3), b"converge")
        staged.commit_block_list([BlobBlock(block_id=block_id(1)), BlobBlock(block_id=block_id(3))])
        check(staged.download_blob().readall() == b"hello converge", "a committed block reused")

        # Empty blob: the SDK's ranged first GET gets 416 and falls back.
        empty = BlobClient(account_url, "azureml-blobstore", "LocalUpload/abc123/model/empty", credential=cred)
        empty.upload_blob(b"")
        check(empty.download_blob().readall() == b"", "empty blob")

        # Another prefix, then listing.
        ContainerClient(account_url, "azureml-blobstore", credential=cred).upload_blob("LocalUpload/def456/m.pkl", b"x")
        names = [b.name for b in container.list_blobs(name_starts_with="LocalUpload/abc123/")]
        check(names == ["LocalUpload/abc123/model/config.json", "LocalUpload/abc123/model/empty",
                        "LocalUpload/abc123/model/staged.txt", "LocalUpload/abc123/model/weights.bin"],
              f"listed {names}")
        sizes = {b.name: b.size for b in container.list_blobs(name_starts_with="LocalUpload/abc123/")}
        check(sizes["LocalUpload/abc123/model/weights.bin"] == len(data), f"listed sizes {sizes}")
        with_meta = [b for b in container.list_blobs(name_starts_with="LocalUpload/abc123/model/config",
                                                     include=["metadata"])]
        check(len(with_meta) == 1 and with_meta[0].metadata == {"origin": "converge"}, "listed metadata")
        prefixes = [p.name for p in container.walk_blobs(name_starts_with="LocalUpload/", delimiter="/")]
        check(prefixes == ["LocalUpload/abc123/", "LocalUpload/def456/"], f"walked {prefixes}")
        pages = container.list_blobs(name_starts_with="LocalUpload/", results_per_page=2).by_page()
        paged = [[b.name for b in page] for page in pages]
        check([len(p) for p in paged] == [2, 2, 1], f"pages {paged}")

        # Deleting a blob leaves the blobs below its name.
        ContainerClient(account_url, "azureml-blobstore", credential=cred).upload_blob("LocalUpload", b"top")
        BlobClient(account_url, "azureml-blobstore", "LocalUpload", credential=cred).delete_blob()
        check(len(list(container.list_blobs(name_starts_with="LocalUpload/"))) == 5, "nested blobs kept")
        try:
            BlobClient(account_url, "azureml-blobstore", "LocalUpload/nope", credential=cred).get_blob_properties()
            check(False, "properties of a missing blob")
        except ResourceNotFoundError as error:
            check(error.error_code == "BlobNotFound", f"missing blob code {error.error_code}")
    print("OK")


if __name__ == "__main__":
    main()
