"""The Azure SDK for Python's Activity Log client (azure-mgmt-monitor, api-version 2015-04-01)
against `converge emulator`, unchanged: a second service principal (POST /_emulator/principals)
changes a resource's tags; `activity_logs.list(filter=..., select=...)` returns that write with
the second principal as caller, newest first, paged with nextLink; malformed filters are 400.

Run: /usr/bin/python3 test_sdk_activity_log.py <path-to-converge>   (exit 77 = skipped)
"""
import datetime
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Emulator, check, skip_unless  # noqa: E402

skip_unless("azure.identity", "azure.mgmt.resource", "azure.mgmt.monitor", "requests")

import requests  # noqa: E402
from azure.core.exceptions import HttpResponseError  # noqa: E402
from azure.identity import ClientSecretCredential  # noqa: E402
from azure.mgmt.monitor import MonitorManagementClient  # noqa: E402
from azure.mgmt.resource import ResourceManagementClient  # noqa: E402

RG = "rg-Activity"


def iso(t):
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def main():
    # A small page size so that the listing below needs nextLink.
    with Emulator(sys.argv[1], extra_args=["--page-size", "3"]) as emu:
        start = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=5)
        first = emu.credential()
        rm = ResourceManagementClient(first, emu.subscription, base_url=emu.base_url)
        rm.resource_groups.create_or_update(RG, {"location": "westeurope", "tags": {"owner": "converge"}})
        for i in range(4):
            rm.resource_groups.create_or_update(f"rg-noise-{i}", {"location": "westeurope"})

        made = requests.post(f"{emu.base_url}/_emulator/principals", json={"displayName": "drifter"},
                             verify=emu.ca_path, timeout=10)
        check(made.status_code == 201, f"POST /_emulator/principals: {made.status_code} {made.text}")
        other = made.json()
        check(other["clientId"] != emu.client_id and other["objectId"], f"second principal: {other}")
        second = ClientSecretCredential(emu.tenant, other["clientId"], other["clientSecret"],
                                        authority=emu.base_url, instance_discovery=False)
        rm2 = ResourceManagementClient(second, emu.subscription, base_url=emu.base_url)
        rm2.resource_groups.update(RG, {"tags": {"owner": "someone-else"}})
        end = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(minutes=5)

        monitor = MonitorManagementClient(first, emu.subscription, base_url=emu.base_url)
        rg_id = f"/subscriptions/{emu.subscription}/resourceGroups/{RG}"
        window = f"eventTimestamp ge '{iso(start)}' and eventTimestamp le '{iso(end)}'"

        events = list(monitor.activity_logs.list(
            filter=f"{window} and resourceUri eq '{rg_id}'",
            select="caller,eventTimestamp,operationName,correlationId,resourceId,status,httpRequest"))
        check(len(events) == 4, f"expected 2 writes x (BeginRequest, EndRequest), got {len(events)}")
        latest = events[0]
        check(latest.caller == other["objectId"], f"latest caller {latest.caller!r}, want {other['objectId']}")
        check(latest.operation_name.value == "Microsoft.Resources/subscriptions/resourceGroups/write",
              f"operationName {latest.operation_name.value!r}")
        check(latest.status.value == "Succeeded" and latest.http_request.method == "PATCH",
              f"status {latest.status.value!r}, method {latest.http_request.method!r}")
        check(latest.resource_id.lower() == rg_id.lower() and latest.correlation_id,
              f"resourceId {latest.resource_id!r}, correlationId {latest.correlation_id!r}")
        check(latest.description is None and latest.claims is None, "$select returned unselected properties")
        times = [e.event_timestamp for e in events]
        check(times == sorted(times, reverse=True), f"not newest first: {times}")
        creator = events[-1]
        check(creator.caller == emu.creds["objectId"], f"first write's caller {creator.caller!r}")

        # The whole subscription window is paged (page size 3): every write of the run is there.
        everything = list(monitor.activity_logs.list(filter=window))
        writes = [e for e in everything if e.event_name.value == "EndRequest"]
        check(len(writes) == 6, f"subscription window: {len(writes)} EndRequest events, want 6")
        check(all(e.claims and e.tenant_id == emu.tenant for e in writes), "claims/tenantId missing")
        by_group = list(monitor.activity_logs.list(filter=f"{window} and resourceGroupName eq '{RG}'"))
        check(len(by_group) == 4, f"resourceGroupName filter: {len(by_group)}")
        by_corr = list(monitor.activity_logs.list(
            filter=f"{window} and correlationId eq '{latest.correlation_id}'"))
        check(len(by_corr) == 2 and all(e.caller == other["objectId"] for e in by_corr),
              f"correlationId filter: {[e.caller for e in by_corr]}")
        by_provider = list(monitor.activity_logs.list(
            filter=f"{window} and resourceProvider eq 'Microsoft.Resources'"))
        check(len(by_provider) == 12, f"resourceProvider filter: {len(by_provider)}")
        outside = list(monitor.activity_logs.list(
            filter=f"eventTimestamp ge '{iso(start - datetime.timedelta(days=2))}' and "
                   f"eventTimestamp le '{iso(start)}'"))
        check(outside == [], f"events outside the window: {len(outside)}")

        for bad in [f"resourceUri eq '{rg_id}'",                       # no time range
                    f"{window} or resourceGroupName eq '{RG}'",        # only 'and'
                    f"{window} and caller eq 'x'",                      # not filterable
                    f"{window} and resourceGroupName eq '{RG}' and resourceProvider eq 'Microsoft.Resources'",
                    "eventTimestamp ge 'yesterday'"]:
            try:
                list(monitor.activity_logs.list(filter=bad))
                check(False, f"malformed filter accepted: {bad}")
            except HttpResponseError as error:
                check(error.status_code == 400, f"{bad}: status {error.status_code}")
    print("OK")


if __name__ == "__main__":
    main()
