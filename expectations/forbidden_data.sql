-- Frame of the `forbidden_data` suite: one row per column of every relation of the
-- warehouse (information_schema.columns, every schema) and one row per staged evaluation,
-- each with the deny-list term it matches (NULL when none). The deny-list is the seed
-- reference.forbidden_data_terms (seeds/forbidden_data_terms.csv).
--
-- Matching (case-insensitive):
-- * a term written in Latin letters ("place of birth") is a whole snake_case fragment of a
--   column name (`_place_of_birth_` within `_candidate_place_of_birth_`, also written
--   without separators: `placeofbirth`), and a whole word or phrase in text (words
--   separated by a space, `_` or `-`, or by nothing);
-- * any other term (Japanese) is a substring, of the column name or of the text.
-- The evaluation text never leaves this query: only evaluation_id and the matched term do.
with

terms as (
    select distinct
        lower(trim(term)) as term,
        -- Latin-script terms as snake_case: `place of birth` -> `place_of_birth`
        case
            when regexp_full_match(lower(trim(term)), '[a-z0-9 _-]+')
                then trim(regexp_replace(lower(trim(term)), '[^a-z0-9]+', '_', 'g'), '_')
        end as snake_term
    from reference.forbidden_data_terms
    where nullif(trim(term), '') is not null
),

deny_list as (
    select count(*) as deny_list_terms from terms
),

matchers as (
    select
        term,
        snake_term,
        -- a cheap first test (contains) ...
        case when snake_term is not null then split_part(snake_term, '_', 1) else term end as needle,
        -- ... confirmed for Latin terms by a whole-word pattern, `_` = a separator or none
        case
            when snake_term is not null
                then '(^|[^a-z0-9])' || replace(snake_term, '_', '[ _-]?') || '([^a-z0-9]|$)'
        end as word_pattern
    from terms
),

columns_in_warehouse as (
    select
        table_schema || '.' || table_name as relation,
        column_name,
        -- `candidatePlaceOfBirth` / `candidate-place of birth` -> `_candidate_place_of_birth_`
        '_' || trim(
            regexp_replace(
                lower(regexp_replace(column_name, '([a-z0-9])([A-Z])', '\1_\2', 'g')), '[^a-z0-9]+', '_', 'g'
            ),
            '_'
        ) || '_' as tokens
    from information_schema.columns
    where table_catalog = current_database() and table_schema not in ('information_schema', 'pg_catalog')
),

column_matches as (
    select
        columns_in_warehouse.relation,
        columns_in_warehouse.column_name,
        string_agg(distinct terms.term, ', ' order by terms.term) as matched_term
    from columns_in_warehouse
    inner join terms
        on (
            terms.snake_term is not null
            and (
                contains(columns_in_warehouse.tokens, '_' || terms.snake_term || '_')
                or contains(columns_in_warehouse.tokens, '_' || replace(terms.snake_term, '_', '') || '_')
            )
        )
        or (terms.snake_term is null and contains(lower(columns_in_warehouse.column_name), terms.term))
    group by columns_in_warehouse.relation, columns_in_warehouse.column_name
),

column_rows as (
    select
        true as is_column,
        columns_in_warehouse.relation || '.' || columns_in_warehouse.column_name as finding_key,
        column_matches.matched_term
    from columns_in_warehouse
    left join column_matches
        on columns_in_warehouse.relation = column_matches.relation
        and columns_in_warehouse.column_name = column_matches.column_name
),

-- every source's evaluations; an evaluation is known by its source and id
evaluations as (
    select
        source_system || ' ' || evaluation_id as evaluation_id,
        strengths,
        concerns
    from intermediate.int_evaluations_unioned
),

evaluation_texts as (
    select
        evaluation_id,
        -- one text per evaluation; the line break keeps a phrase from spanning both fields
        lower(coalesce(strengths, '') || chr(10) || coalesce(concerns, '')) as text
    from evaluations
    where strengths is not null or concerns is not null
),

evaluation_matches as (
    select
        evaluation_texts.evaluation_id,
        string_agg(distinct matchers.term, ', ' order by matchers.term) as matched_term
    from evaluation_texts
    inner join matchers
        on contains(evaluation_texts.text, matchers.needle)
        and (
            matchers.word_pattern is null
            or regexp_matches(evaluation_texts.text, matchers.word_pattern)
        )
    group by evaluation_texts.evaluation_id
),

evaluation_rows as (
    select
        false as is_column,
        -- the key is kept only for a finding (a non-match needs none)
        case
            when evaluation_matches.evaluation_id is not null
                then 'evaluation ' || evaluations.evaluation_id
        end as finding_key,
        evaluation_matches.matched_term
    from evaluations
    left join evaluation_matches
        on evaluations.evaluation_id = evaluation_matches.evaluation_id
)

select
    rows_.is_column,
    rows_.finding_key,
    rows_.matched_term,
    deny_list.deny_list_terms
from (
    select * from column_rows
    union all
    select * from evaluation_rows
) as rows_
cross join deny_list
order by rows_.is_column desc, rows_.finding_key nulls last
