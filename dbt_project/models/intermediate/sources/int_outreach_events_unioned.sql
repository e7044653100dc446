{#- Every source's stg_<source>__outreach_events, as one relation (macros/sources_union.sql). -#}
{{ union_sources('outreach_events') }}
