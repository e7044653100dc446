"""Vendor-shaped exports of the synthetic population (``recontact generate --shape``).

``sample_exports.generate`` writes the canonical export (ats-export-v1). Each module here
converts such an export into the files one ATS vendor would deliver for the same people,
so every source's staging can be checked against the canonical build:

- :mod:`sample_exports.vendors.greenhouse` — Fivetran-synced Greenhouse tables
  (docs/source-greenhouse.md).
- :mod:`sample_exports.vendors.lever` — Fivetran-synced Lever tables (docs/source-lever.md).
- :mod:`sample_exports.vendors.japanese_ats` — a Japanese ATS (HRMOS / ジョブカン / HERP
  style): CP932 or UTF-8-BOM CSVs with Japanese file names and headers, Japanese statuses,
  stage names and reasons, JST timestamps in mixed Japanese formats (和暦 among them) and
  some full-width digits and letters (docs/source-japanese-ats.md).

Every module offers ``write_export(canonical_dir, out_dir, ...) -> dict[str, int]`` (rows
written per entity) and writes ``<out_dir>/<source_system>/<batch_id>/<file>``.
"""
