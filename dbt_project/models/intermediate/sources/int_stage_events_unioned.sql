{#- Every source's stg_<source>__stage_events, as one relation (macros/sources_union.sql). -#}
{{ union_sources('stage_events') }}
