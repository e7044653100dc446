{#- Every source's stg_<source>__candidates, as one relation (macros/sources_union.sql). -#}
{{ union_sources('candidates') }}
