"""The Azure SDK for Python's Blob client (azure-storage-blob) against `converge emulator`'s blob
data plane, unchanged, with an Entra ID token for https://storage.azure.com/: container, block
blob with metadata, and the lease state machine the stack lock relies on (acquire, 409
LeaseAlreadyPresent for a second holder, 412 for writes without the lease id, renew, change,
break with a period, expiry of a 15-second lease, release).

Run: /usr/bin/python3 test_sdk_blob_lease.py <path-to-converge>   (exit 77 = skipped)
"""
import os
import sys
import time
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Emulator, check, skip_unless  # noqa: E402

skip_unless("azure.identity", "azure.mgmt.resource", "azure.storage.blob")

from azure.core.exceptions import HttpResponseError, ResourceExistsError, ResourceNotFoundError  # noqa: E402
from azure.mgmt.resource import ResourceManagementClient  # noqa: E402
from azure.mgmt.resource.resources.models import GenericResource  # noqa: E402
from azure.storage.blob import BlobClient, BlobLeaseClient, ContainerClient  # noqa: E402

ACCOUNT = "stlocks01"


def expect_error(fn, status, code):
    try:
        fn()
    except HttpResponseError as error:
        check(error.status_code == status and error.error_code == code,
              f"expected {status} {code}, got {error.status_code} {error.error_code}: {error.message[:200]}")
        return
    check(False, f"expected {status} {code}, the call succeeded")


def main():
    with Emulator(sys.argv[1]) as emu:
        cred = emu.credential()
        rm = ResourceManagementClient(cred, emu.subscription, base_url=emu.base_url)
        rm.resource_groups.create_or_update("rg-locks", {"location": "westeurope"})
        account_url = f"{emu.base_url}/{ACCOUNT}"
        # No storage account yet: the path is no blob endpoint.
        missing = ContainerClient(account_url, "converge-locks", credential=cred)
        try:
            missing.create_container()
            check(False, "container created on an account that does not exist")
        except HttpResponseError as error:
            check(error.status_code == 404, f"missing account: {error.status_code}")

        rm.resources.begin_create_or_update_by_id(
            f"/subscriptions/{emu.subscription}/resourceGroups/rg-locks/providers/Microsoft.Storage/storageAccounts/{ACCOUNT}",
            "2023-01-01", GenericResource(location="westeurope", kind="StorageV2", sku={"name": "Standard_LRS"},
                                          properties={})).result()
        container = ContainerClient(account_url, "converge-locks", credential=cred)
        container.create_container()
        try:
            container.create_container()
            check(False, "second create_container accepted")
        except ResourceExistsError as error:
            check(error.error_code == "ContainerAlreadyExists", f"container conflict code {error.error_code}")

        blob = BlobClient(account_url, "converge-locks", "ml-prod.lock", credential=cred)
        try:
            blob.get_blob_properties()
            check(False, "properties of a missing blob")
        except ResourceNotFoundError as error:
            check(error.error_code == "BlobNotFound", f"missing blob code {error.error_code}")
        blob.upload_blob(b"", overwrite=True)
        props = blob.get_blob_properties()
        check(props.lease.state == "available" and props.lease.status == "unlocked", f"new blob lease {props.lease}")

        lease = blob.acquire_lease(lease_duration=15)
        other = BlobLeaseClient(blob, lease_id=str(uuid.uuid4()))
        expect_error(lambda: other.acquire(lease_duration=60), 409, "LeaseAlreadyPresent")
        expect_error(lambda: blob.set_blob_metadata({"holder": "intruder"}), 412, "LeaseIdMissing")
        expect_error(lambda: blob.set_blob_metadata({"holder": "x"}, lease=other.id), 412,
                     "LeaseIdMismatchWithBlobOperation")
        blob.set_blob_metadata({"holder": "ci@runner-7", "since": "2026-12-07T10:00:00Z"}, lease=lease)
        props = blob.get_blob_properties()
        check(props.lease.state == "leased" and props.lease.status == "locked" and props.lease.duration == "fixed",
              f"leased blob {props.lease}")
        check(props.metadata == {"holder": "ci@runner-7", "since": "2026-12-07T10:00:00Z"}, f"metadata {props.metadata}")
        expect_error(lambda: other.renew(), 409, "LeaseIdMismatchWithLeaseOperation")
        lease.renew()
        new_id = str(uuid.uuid4())
        lease.change(new_id)
        check(lease.id == new_id, "lease id after change")
        expect_error(lambda: BlobLeaseClient(blob, lease_id=str(uuid.uuid4())).acquire(lease_duration=10), 400,
                     "InvalidHeaderValue")

        # Break with a period: breaking (still locked), then broken; a new holder may acquire.
        left = BlobLeaseClient(blob).break_lease(lease_break_period=1)
        check(left == 1, f"break period left {left}")
        check(blob.get_blob_properties().lease.state == "breaking", "breaking state")
        expect_error(lambda: other.acquire(lease_duration=15), 409, "LeaseIsBreakingAndCannotBeAcquired")
        time.sleep(1.2)
        check(blob.get_blob_properties().lease.state == "broken", "broken after the break period")
        expect_error(lambda: lease.renew(), 409, "LeaseIsBrokenAndCannotBeRenewed")
        other.acquire(lease_duration=-1)
        props = blob.get_blob_properties()
        check(props.lease.state == "leased" and props.lease.duration == "infinite", f"infinite lease {props.lease}")
        check(BlobLeaseClient(blob).break_lease() == 0, "an infinite lease breaks at once")
        other_id = other.id
        other.release()  # (Release Lease answers no x-ms-lease-id: the SDK forgets the id)
        check(blob.get_blob_properties().lease.state == "available", "released")
        expect_error(lambda: BlobLeaseClient(blob, lease_id=other_id).release(), 409,
                     "LeaseNotPresentWithLeaseOperation")

        # A 15-second lease nobody renews expires; the next acquire succeeds.
        abandoned = blob.acquire_lease(lease_duration=15)
        time.sleep(15.5)
        check(blob.get_blob_properties().lease.state == "expired", "expired after 15 s")
        taker = blob.acquire_lease(lease_duration=15)
        check(taker.id != abandoned.id, "a new lease after expiry")
        expect_error(lambda: abandoned.renew(), 409, "LeaseIdMismatchWithLeaseOperation")
        taker.release()
    print("OK")


if __name__ == "__main__":
    main()
