{#- Every source's stg_<source>__evaluations, as one relation (macros/sources_union.sql). -#}
{{ union_sources('evaluations') }}
