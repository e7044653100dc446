-- recontact-outreach v1, "Drafts": every template sets the past evaluation beside the
-- company's situation now, so its body must contain {past_evaluation} and {situation};
-- and every cohort has a template in each language a draft can be written in.
with

templates as (select * from {{ ref('outreach_templates') }}),

missing_placeholders as (
    select
        template_id,
        'missing {past_evaluation} or {situation}' as problem
    from templates
    where
        {{ dbt.position("'{past_evaluation}'", dbt.concat(['subject', "' '", 'body'])) }} = 0
        or {{ dbt.position("'{situation}'", dbt.concat(['subject', "' '", 'body'])) }} = 0
),

wanted as (
    {%- for cohort in cohorts() %}
    {%- for language in ['ja', 'en'] %}
    select '{{ cohort }}' as cohort, '{{ language }}' as wanted_language
    {%- if not loop.last %} union all {% endif %}
    {%- endfor %}
    {%- if not loop.last %} union all {% endif %}
    {%- endfor %}
),

missing_templates as (
    select
        {{ dbt.concat(['wanted.cohort', "'/'", 'wanted.wanted_language']) }} as template_id,
        'no template for this cohort and language' as problem
    from wanted
    left join templates
        on wanted.cohort = templates.cohort and wanted.wanted_language = templates.language
    where templates.template_id is null
)

select * from missing_placeholders
union all
select * from missing_templates
