{#- Every source's stg_<source>__offers, as one relation (macros/sources_union.sql). -#}
{{ union_sources('offers') }}
