{#- Greenhouse (Fivetran) specifics shared by the base_greenhouse__* models
    (docs/source-greenhouse.md). -#}

{#- Fivetran keeps a row deleted in Greenhouse with `_fivetran_deleted = true`. A row is
    "deleted in Greenhouse" when a delivery of the same key at the same or a later version
    says so: older versions must not come back to life when the latest one is a deletion.
    Needs the CTE to carry is_fivetran_deleted. -#}
{% macro deleted_in_greenhouse(key_expr, version_column) -%}
    ({{ version_column }} <= max(case when is_fivetran_deleted then {{ version_column }} end)
        over (partition by {{ key_expr }}))
{%- endmacro %}

{#- Rows of a purged person's applications (see tombstones.sql). -#}
{% macro is_suppressed_greenhouse_application(application_id_expr) -%}
    {{ is_suppressed_application(application_id_expr, 'base_greenhouse__application', 'id') }}
{%- endmacro %}

{#- Greenhouse's overall recommendation on a scorecard -> the 1-5 rating of the export
    contract (5 best). Greenhouse shows the five choices as a scale with "no decision"
    (mixed) in the middle. Anything else is NULL (and quarantined by the base model). -#}
{% macro greenhouse_rating(recommendation_expr) -%}
    case {{ mapping_key(recommendation_expr) }}
        when 'definitely_not' then 1
        when 'no' then 2
        when 'no_decision' then 3
        when 'yes' then 4
        when 'strong_yes' then 5
    end
{%- endmacro %}


{#- A candidate's e-mail addresses or phone numbers (Fivetran tables email_address and
    phone_number, the same shape): keyed by (candidate_id, index); the latest Fivetran sync
    of a key wins. Fivetran names the column `index`, a keyword in some dialects. -#}
{% macro base_greenhouse_contact_detail(table_name) -%}
-- noqa: disable=RF04
with

landed as (
    {{ read_landing(
        'greenhouse', table_name,
        suppressed_when=is_tombstoned('candidate_id', 'greenhouse')
    ) }}
),

parsed as (
    select
        {{ dbt.concat(['candidate_id', "'#'", 'index']) }} as contact_key,
        candidate_id,
        {{ parse_integer('index') }} as position,
        type,
        value,
        {{ to_local_timestamp('_fivetran_synced', 'greenhouse') }} as synced_at,
        index as position_text,
        _fivetran_synced as synced_at_text,
        index,
        _fivetran_synced,
        _batch_id,
        _source_file,
        _source_row,
        is_suppressed
    from landed
),

checked as (
    select
        *,
        {{ first_failed_check([
            ('candidate_id is null', 'missing candidate_id'),
            ('position_text is null', 'missing index'),
            (unreadable('position'), 'index is not an integer'),
            ('synced_at_text is null', 'missing _fivetran_synced'),
            (unreadable('synced_at'), 'unparseable _fivetran_synced'),
            (after_build_clock('synced_at', 'greenhouse'), '_fivetran_synced in the future'),
        ]) }} as invalid_reason
    from parsed
),

{{ latest_version_wins('checked', 'contact_key', 'synced_at', landing_columns('greenhouse', table_name)) }}
{%- endmacro %}
