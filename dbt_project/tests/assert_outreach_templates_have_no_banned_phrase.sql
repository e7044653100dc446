-- recontact-outreach v1, "Drafts": no template (subject, body or fallback evaluation)
-- contains a phrase of seed outreach_banned_phrases, compared case-insensitively after
-- NFKC (macros/outreach.sql): the article's "never say we are short of people".
with

templates as (select * from {{ ref('outreach_templates') }}),

phrases as (
    select {{ nfkc_casefold('trim(phrase)') }} as phrase
    from {{ ref('outreach_banned_phrases') }}
    where nullif(trim(phrase), '') is not null
),

template_texts as (
    select
        template_id,
        {{ nfkc_casefold(dbt.concat(['subject', "' '", 'body', "' '", 'fallback_evaluation'])) }} as folded_text
    from templates
)

select
    template_texts.template_id,
    phrases.phrase
from template_texts
inner join phrases
    on {{ dbt.position('phrases.phrase', 'template_texts.folded_text') }} > 0
