{#- The openings of every source that delivers them (recontact-outreach v1): so far the
    canonical export only; a vendor source adds its int_<source>__openings_conformed here
    once it delivers the company-side openings file (docs/rules-interpretation.md). -#}
select * from {{ ref('int_canonical__openings_conformed') }}
