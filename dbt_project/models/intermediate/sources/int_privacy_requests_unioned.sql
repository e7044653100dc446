{#- Every source's stg_<source>__privacy_requests, as one relation (macros/sources_union.sql). -#}
{{ union_sources('privacy_requests') }}
