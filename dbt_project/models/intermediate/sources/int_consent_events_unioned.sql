{#- Every source's stg_<source>__consent_events, as one relation (macros/sources_union.sql). -#}
{{ union_sources('consent_events') }}
