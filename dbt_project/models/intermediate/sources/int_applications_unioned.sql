{#- Every source's stg_<source>__applications, as one relation (macros/sources_union.sql). -#}
{{ union_sources('applications') }}
