{#- Every source's stg_<source>__jobs, as one relation (macros/sources_union.sql). -#}
{{ union_sources('jobs') }}
