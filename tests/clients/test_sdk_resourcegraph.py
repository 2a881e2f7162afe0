"""The Azure SDK for Python's Resource Graph client (azure-mgmt-resourcegraph, Debian's
python3-azure, api-version 2022-10-01) against `converge emulator`, unchanged: the KQL subset
converge sends, rows as Azure returns them, $skipToken paging with options.$top, the table
format, the 400 for a query outside the subset, the lag behind ARM (PUT /_emulator/graph) and
the per-user quota (x-ms-user-quota-* headers, 429 RateLimiting).

Run: /usr/bin/python3 test_sdk_resourcegraph.py <path-to-converge>   (exit 77 = skipped)
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Emulator, check, skip_unless  # noqa: E402

skip_unless("azure.identity", "azure.mgmt.resource", "azure.mgmt.resourcegraph", "requests")

import requests  # noqa: E402
from azure.core.exceptions import HttpResponseError  # noqa: E402
from azure.mgmt.resource import ResourceManagementClient  # noqa: E402
from azure.mgmt.resourcegraph import ResourceGraphClient  # noqa: E402
from azure.mgmt.resourcegraph.models import QueryRequest, QueryRequestOptions  # noqa: E402

RG = "rg-Graph"
STORAGE_API = "2023-01-01"


def storage_id(emu, name):
    return (f"/subscriptions/{emu.subscription}/resourceGroups/{RG}"
            f"/providers/Microsoft.Storage/storageAccounts/{name}")


def make_storage(rm, emu, name, tags=None):
    rm.resources.begin_create_or_update_by_id(
        storage_id(emu, name), STORAGE_API,
        {"location": "westeurope", "kind": "StorageV2", "sku": {"name": "Standard_LRS"},
         "tags": tags or {}}).result()


def main():
    with Emulator(sys.argv[1]) as emu:
        cred = emu.credential()
        rm = ResourceManagementClient(cred, emu.subscription, base_url=emu.base_url)
        rm.resource_groups.create_or_update(RG, {"location": "westeurope"})
        for i in range(5):
            make_storage(rm, emu, f"stgraph{i}", {"n": str(i)})

        graph = ResourceGraphClient(cred, base_url=emu.base_url)
        query = ("resources | where type in~ ('Microsoft.Storage/storageAccounts') and subscriptionId in ('"
                 + emu.subscription + "') | project id, name, type, location, tags, properties, sku, "
                 "identity, kind, resourceGroup, subscriptionId | order by name asc")

        # Everything in one page.
        whole = graph.resources(QueryRequest(subscriptions=[emu.subscription], query=query))
        check(whole.total_records == 5 and whole.count == 5, f"total {whole.total_records}, count {whole.count}")
        check(whole.result_truncated == "false" and whole.skip_token is None, "one page expected")
        row = whole.data[0]
        check(row["name"] == "stgraph0", f"first row {row}")
        check(row["type"] == "microsoft.storage/storageaccounts", f"type {row['type']!r}")
        check(row["resourceGroup"] == RG.lower(), f"resourceGroup {row['resourceGroup']!r}")
        check(row["id"] == storage_id(emu, "stgraph0"), f"id {row['id']!r}")
        check(row["tags"] == {"n": "0"} and row["sku"] == {"name": "Standard_LRS"}, f"row {row}")
        check(row["properties"].get("provisioningState") == "Succeeded", f"properties {row['properties']}")

        # Paged by two with $skipToken, as a caller loops.
        names, token, pages = [], None, 0
        while True:
            page = graph.resources(QueryRequest(subscriptions=[emu.subscription], query=query,
                                                options=QueryRequestOptions(top=2, skip_token=token)))
            pages += 1
            names += [r["name"] for r in page.data]
            token = page.skip_token
            if not token:
                break
        check(pages == 3 and names == [f"stgraph{i}" for i in range(5)], f"{pages} pages: {names}")

        # The table format.
        table = graph.resources(QueryRequest(subscriptions=[emu.subscription],
                                             query="resources | where name == 'stgraph3' | project id, tags",
                                             options=QueryRequestOptions(result_format="table")))
        check(table.data["columns"] == [{"name": "id", "type": "string"}, {"name": "tags", "type": "object"}],
              f"columns {table.data['columns']}")
        check(table.data["rows"] == [[storage_id(emu, "stgraph3"), {"n": "3"}]], f"rows {table.data['rows']}")

        # A query outside the subset: 400 with InvalidQuery / ParserFailure details.
        try:
            graph.resources(QueryRequest(subscriptions=[emu.subscription],
                                         query="resources | summarize count() by type"))
            check(False, "summarize was accepted")
        except HttpResponseError as error:
            check(error.status_code == 400, f"status {error.status_code}")
            body = json.loads(error.response.text())["error"]
            codes = [d["code"] for d in body["details"]]
            check(body["code"] == "BadRequest" and codes == ["InvalidQuery", "ParserFailure"], f"error {body}")

        # Lag: what was written less than the lag ago is not indexed yet (here: everything, all of
        # it younger than a minute), though ARM has it.
        admin = f"{emu.base_url}/_emulator/graph"
        set_lag = requests.put(admin, json={"lagMs": 60000}, verify=emu.ca_path, timeout=10)
        check(set_lag.status_code == 200 and set_lag.json()["lagMs"] == 60000, f"PUT graph: {set_lag.text}")
        make_storage(rm, emu, "stlate")
        lagging = graph.resources(QueryRequest(subscriptions=[emu.subscription], query=query))
        check(lagging.total_records == 0, f"resources written seconds ago are indexed: {lagging.total_records}")
        check(rm.resources.get_by_id(storage_id(emu, "stlate"), STORAGE_API).name == "stlate", "ARM lost stlate")
        requests.put(admin, json={"lagMs": 0}, verify=emu.ca_path, timeout=10)
        caught_up = graph.resources(QueryRequest(subscriptions=[emu.subscription], query=query))
        check(caught_up.total_records == 6, f"after the lag: {caught_up.total_records}")

        # The per-user quota: headers on every answer, then 429 RateLimiting (no SDK retries here).
        requests.put(admin, json={"quota": 2, "quotaWindowMs": 60000}, verify=emu.ca_path, timeout=10)
        strict = ResourceGraphClient(cred, base_url=emu.base_url, retry_total=0)
        seen = []

        def hook(response):
            seen.append(dict(response.http_response.headers))

        for _ in range(2):
            strict.resources(QueryRequest(subscriptions=[emu.subscription], query="resources | project id"),
                             raw_response_hook=hook)
        check([h.get("x-ms-user-quota-remaining") for h in seen] == ["1", "0"], f"remaining: {seen}")
        check(all(h.get("x-ms-user-quota-resets-after", "").startswith("00:0") for h in seen), f"resets: {seen}")
        try:
            strict.resources(QueryRequest(subscriptions=[emu.subscription], query="resources | project id"))
            check(False, "the query beyond the quota was answered")
        except HttpResponseError as error:
            check(error.status_code == 429, f"status {error.status_code}")
            check(json.loads(error.response.text())["error"]["code"] == "RateLimiting", error.response.text())
            check(error.response.headers.get("x-ms-user-quota-remaining") == "0", "remaining on the 429")
    print("OK: azure-mgmt-resourcegraph against the emulator")


if __name__ == "__main__":
    main()
