{#- recontact-outreach v1, "Drafts" (restricted: personal data; schema `outreach`, never
    published for BI). One draft per person for their best opening (match_rank = 1), in
    the opening's language, from the outreach_templates row of the matched cohort and that
    language: the cited strengths of the best evaluation of the qualifying application (or
    the template's fallback_evaluation) beside the opening's situation. Placeholders are
    filled company-side first and the candidate's name last, so a value never turns into
    another placeholder. A draft whose rendered subject or body contains a forbidden-data
    term or a banned phrase (case-insensitive, after NFKC) is withheld, with every term
    found; the others are ready. -#}
with

matches as (select * from {{ ref('recontact_job_matches') }}),

openings as (select * from {{ ref('int_openings_open') }}),

candidates as (select * from {{ ref('int_candidates_unioned') }}),

cited_evaluations as (select * from {{ ref('int_evaluations_cited') }}),

templates as (select * from {{ ref('outreach_templates') }}),

banned_phrases as (select * from {{ ref('outreach_banned_phrases') }}),

forbidden_data_terms as (select * from {{ ref('forbidden_data_terms') }}),

draft_inputs as (
    select
        matches.source_system,
        matches.candidate_id,
        matches.person_id,
        matches.opening_id,
        matches.job_id,
        matches.cohort,
        templates.template_id,
        openings.language,
        templates.subject as subject_template,
        templates.body as body_template,
        coalesce(openings.job_title, '') as job_title,
        openings.situation,
        coalesce(cited_evaluations.cited_strengths, templates.fallback_evaluation) as past_evaluation,
        cited_evaluations.cited_evaluation_id,
        coalesce(candidates.full_name, '') as full_name
    from matches
    inner join openings
        on matches.source_system = openings.source_system
        and matches.opening_id = openings.opening_id
    inner join candidates
        on matches.source_system = candidates.source_system
        and matches.candidate_id = candidates.candidate_id
    inner join templates
        on matches.cohort = templates.cohort
        and openings.language = templates.language
    left join cited_evaluations
        on matches.source_system = cited_evaluations.source_system
        and matches.application_id = cited_evaluations.application_id
    where matches.match_rank = 1
),

{%- set company = "'" ~ (var('company_name') | string | replace("'", "''")) ~ "'" %}

rendered_drafts as (
    select
        source_system,
        candidate_id,
        person_id,
        opening_id,
        job_id,
        cohort,
        template_id,
        language,
        replace(replace(replace(replace(replace(
            subject_template,
            '{company}', {{ company }}),
            '{job_title}', job_title),
            '{situation}', situation),
            '{past_evaluation}', past_evaluation),
            '{name}', full_name) as subject,
        replace(replace(replace(replace(replace(
            body_template,
            '{company}', {{ company }}),
            '{job_title}', job_title),
            '{situation}', situation),
            '{past_evaluation}', past_evaluation),
            '{name}', full_name) as body,
        cited_evaluation_id
    from draft_inputs
),

-- the deny-list as the check compares it: forbidden-data terms in Latin letters as whole
-- words (as the forbidden_data suite matches them), other terms and every banned phrase
-- as substrings
folded_deny_list as (
    select
        'forbidden_data_term' as list_name,
        trim(term) as listed_text,
        {{ nfkc_casefold('trim(term)') }} as folded_text
    from forbidden_data_terms
    where nullif(trim(term), '') is not null

    union all

    select
        'banned_phrase' as list_name,
        trim(phrase) as listed_text,
        {{ nfkc_casefold('trim(phrase)') }} as folded_text
    from banned_phrases
    where nullif(trim(phrase), '') is not null
),

deny_list as (
    select
        list_name,
        listed_text,
        folded_text,
        is_whole_word,
        -- a text a draft must contain for the entry to be found in it: the entry itself,
        -- or for a whole word its first word (words may be joined by ' ', '_', '-' or
        -- nothing); the join compares this cheap substring first and runs the whole-word
        -- pattern only on the drafts that contain it
        case
            when is_whole_word then {{ dbt.split_part('folded_text', "' '", 1) }}
            else folded_text
        end as required_text
    from (
        select
            *,
            list_name = 'forbidden_data_term'
            and {{ regexp_like('folded_text', "'^[a-z0-9 _-]+$'") }} as is_whole_word
        from folded_deny_list
    ) as classified
),

folded_drafts as (
    select
        source_system,
        candidate_id,
        {{ nfkc_casefold(dbt.concat(['subject', 'chr(10)', 'body'])) }} as folded_text
    from rendered_drafts
),

deny_list_hits as (
    select
        folded_drafts.source_system,
        folded_drafts.candidate_id,
        {{ dbt.concat(['deny_list.list_name', "':'", 'deny_list.listed_text']) }} as hit
    from folded_drafts
    inner join deny_list
        -- a case, so that the engine cannot run the pattern before the substring test
        on case
            when {{ dbt.position('deny_list.required_text', 'folded_drafts.folded_text') }} = 0
                then false
            when not deny_list.is_whole_word
                then true
            else {{ regexp_like(
                'folded_drafts.folded_text',
                '(' ~ dbt.concat([
                    "'(^|[^a-z0-9])'", "replace(deny_list.folded_text, ' ', '[ _-]?')", "'([^a-z0-9]|$)'"
                ]) ~ ')'
            ) }}
        end
),

withheld_reasons as (
    select
        source_system,
        candidate_id,
        {{ sorted_text_list('hit') }} as withheld_reason
    from deny_list_hits
    group by source_system, candidate_id
),

drafts as (
    select
        rendered_drafts.source_system,
        rendered_drafts.candidate_id,
        rendered_drafts.person_id,
        {{ as_of_date() }} as as_of_date,
        rendered_drafts.opening_id,
        rendered_drafts.job_id,
        rendered_drafts.cohort,
        rendered_drafts.template_id,
        rendered_drafts.language,
        rendered_drafts.subject,
        rendered_drafts.body,
        rendered_drafts.cited_evaluation_id,
        case when withheld_reasons.withheld_reason is null then 'ready' else 'withheld' end as draft_status,
        withheld_reasons.withheld_reason,
        'outreach-v1' as outreach_rule_version,
        {{ sha256_hex(dbt.concat(['rendered_drafts.subject', 'chr(10)', 'rendered_drafts.body'])) }} as content_hash
    from rendered_drafts
    left join withheld_reasons
        on rendered_drafts.source_system = withheld_reasons.source_system
        and rendered_drafts.candidate_id = withheld_reasons.candidate_id
)

select * from drafts
order by source_system, candidate_id
