{#- What becomes of each landed row (docs/rules-interpretation.md, points 3-5).
    Every staging model (stg_<source>__<table>) ends with one of these macros, which
    continue its `with` chain from a CTE of parsed rows carrying `invalid_reason` (NULL
    when the row is readable) and add two columns:
      _fate              staged | superseded | redelivered | quarantined | suppressed
      quarantine_reason  why a row was quarantined, else NULL
    The CTE also carries `is_suppressed` (set by read_landing, see tombstones.sql): the
    row belongs to a person purged earlier, its content is already blank, and it is
    kept out of everything downstream.
    Nothing is dropped silently:
    landed rows = staged + superseded + redelivered + quarantined + suppressed. -#}

{#- Mutable entities: the latest version wins, ties to the later batch. Rows tied on
    both with other content are a conflict; an identical copy is a re-delivery.
    batches (landing_increment(..., by_key=true)): none in a full build; on an incremental
    run the batches not read yet, and only the keys they deliver are recomputed, from
    every version of theirs in any batch, so each gets the fates a full build gives it
    (the model's unique key is key_column: delete+insert replaces exactly those keys).
    Recomputed too: the keys of rows quarantined as "in the future" (after_build_clock),
    since the build's clock moves on and a full build may accept them now. -#}
{% macro latest_version_wins(checked_cte, key_column, version_column, content_columns, batches=none) -%}
    {%- if batches is not none %}
recomputed_keys as (
    select {{ key_column }} as recomputed_key
    from {{ checked_cte }}
    where {{ in_batches(batches) }}

    union

    select {{ key_column }}
    from {{ this }}
    where quarantine_reason like '% in the future'
),

recomputed as (
    select *
    from {{ checked_cte }}
    where
        {{ in_batches(batches) }}
        or {{ key_column }} in (select recomputed_keys.recomputed_key from recomputed_keys)
),
    {%- set checked_cte = 'recomputed' %}
    {%- endif %}
    {{ _assign_fates(
        checked_cte, key_column, content_columns,
        order_by=version_column ~ ' desc, _batch_id desc, _row_fingerprint desc',
        conflict_when='ranked.' ~ version_column ~ ' = winners.winner_version and ranked._batch_id = winners.winner_batch_id',
        version_column=version_column,
    ) }}
{%- endmacro %}

{#- Append-only events: the first delivery wins; a later one with other content is a conflict.
    appending (landing_increment in read_landing.sql): the CTE holds only batches that sort
    after every row already in this incremental model, so a key already staged there keeps
    its winner and the new row is a re-delivery or a conflict, exactly as a full build decides. -#}
{% macro first_delivery_wins(checked_cte, key_column, content_columns, appending=false) -%}
    {{ _assign_fates(
        checked_cte, key_column, content_columns,
        order_by='_batch_id asc, _row_fingerprint asc',
        conflict_when='true',
        version_column='_batch_id',
        appending=appending,
    ) }}
{%- endmacro %}

{% macro _assign_fates(checked_cte, key_column, content_columns, order_by, conflict_when, version_column, appending=false) -%}
{#- The fingerprint is taken of the parsed values, so the same row delivered once as
    CSV text and once as typed Parquet is recognised as the same. -#}
fingerprinted as (
    select
        {{ checked_cte }}.*,
        {%- set as_text = [] -%}
        {%- for column in content_columns -%}
            {%- do as_text.append('cast(' ~ column ~ ' as ' ~ dbt.type_string() ~ ')') -%}
        {%- endfor %}
        {{ row_fingerprint(as_text) }} as _row_fingerprint
    from {{ checked_cte }}
),

ranked as (
    select
        fingerprinted.*,
        row_number() over (
            partition by {{ key_column }}, invalid_reason is null and not is_suppressed
            order by {{ order_by }}
        ) as version_rank
    from fingerprinted
),

{%- if appending %}

loaded_winners as (
    select
        {{ key_column }} as winner_key,
        {{ version_column }} as winner_version,
        _batch_id as winner_batch_id,
        _row_fingerprint as winner_fingerprint
    from {{ this }}
    where _fate = 'staged'
),
{%- endif %}

winners as (
    select
        {{ key_column }} as winner_key,
        {{ version_column }} as winner_version,
        _batch_id as winner_batch_id,
        _row_fingerprint as winner_fingerprint,
        true as is_new
    from ranked
    where invalid_reason is null and not is_suppressed and version_rank = 1
    {%- if appending %}
        and {{ key_column }} not in (select loaded_winners.winner_key from loaded_winners)

    union all

    select
        *,
        false as is_new
    from loaded_winners
    {%- endif %}
),

fated as (
    select
        ranked.*,
        case
            when ranked.is_suppressed then 'suppressed'
            when ranked.invalid_reason is not null then 'quarantined'
            when ranked.version_rank = 1 and winners.is_new then 'staged'
            when ranked._row_fingerprint = winners.winner_fingerprint then 'redelivered'
            when {{ conflict_when }} then 'quarantined'
            else 'superseded'
        end as _fate,
        case
            when ranked.is_suppressed then null
            when ranked.invalid_reason is not null then ranked.invalid_reason
            when ranked.version_rank = 1 and winners.is_new then null
            when ranked._row_fingerprint = winners.winner_fingerprint then null
            when {{ conflict_when }} then 'conflicting_duplicate'
        end as quarantine_reason
    from ranked
    left join winners
        on ranked.{{ key_column }} = winners.winner_key
)

select * from fated
{%- endmacro %}


{#- The first failing check's reason, or NULL; checks are (condition, reason) pairs. -#}
{% macro first_failed_check(checks) -%}
    case
    {%- for condition, reason in checks %}
        when {{ condition }} then '{{ reason }}'
    {%- endfor %}
    end
{%- endmacro %}


{#- A failed parse: text was there but did not read as the type. -#}
{% macro unreadable(parsed_column) -%}
    ({{ parsed_column }} is null and {{ parsed_column }}_text is not null)
{%- endmacro %}


{#- An event that cannot have happened yet: later than the build's wall clock (dbt's
    run_started_at, as local time of the source) plus var future_grace_days. The grace
    keeps what is only a little ahead: clock skew, mislabelled offsets, and rows dated
    shortly after D, which the rules already ignore until their day comes (the
    generator's after-D boundary cases go up to D + 12 days, with D = today by default).
    docs/hostile-input.md. -#}
{% macro after_build_clock(parsed_column, source_system) -%}
    {#- the zone the parsed values are in (parsing.sql: a source's own, or recontact_timezone) -#}
    {%- if source_system in var('sources_in_recontact_timezone') -%}
        {%- set zone = modules.pytz.timezone(var('recontact_timezone')) -%}
    {%- else -%}
        {%- set zone = modules.pytz.timezone(var('source_timezones')[source_system]) -%}
    {%- endif -%}
    {%- set grace = modules.datetime.timedelta(days=rule_parameter('future_grace_days') | int) -%}
    {%- set latest = run_started_at.astimezone(zone) + grace -%}
    ({{ parsed_column }} > cast('{{ latest.strftime("%Y-%m-%d %H:%M:%S") }}' as {{ dbt.type_timestamp() }}))
{%- endmacro %}


{#- The company's records about a candidate that must name a known one (rule set v1.1):
    a consent event or privacy request whose candidate_id matches no conformed candidate
    of its source refers to nobody we can hold, and is quarantined as `unknown_candidate`.
    Decided after staging (in int_<source>__quarantine, int_<source>__landing_reconciliation
    and int_<source>__<entity>_conformed), so that a candidate delivered in a later batch
    releases the row without a full refresh. Ids match exactly: no case or width folding. -#}
{% macro company_records_of_candidates() -%}
    {{ return(['consent_events', 'privacy_requests']) }}
{%- endmacro %}


{#- Incremental models that replace whole slices: the append-only events' base models
    (slice = batch: a daily run reads only the batches that arrived since the last, see
    landing_increment in read_landing.sql) and the eligibility history (slice = as-of date).
    A run replaces every slice it produced, and nothing else. -#}
{% macro replace_slices_config(slice_column) -%}
    {{ return(adapter.dispatch('replace_slices_config', 'recontact')(slice_column)) }}
{%- endmacro %}

{% macro default__replace_slices_config(slice_column) -%}
    {{ config(materialized='incremental', incremental_strategy='delete+insert', unique_key=slice_column) }}
{%- endmacro %}

{#- Spark: Parquet has no delete or merge; overwriting the slices' partitions is the same. -#}
{% macro spark__replace_slices_config(slice_column) -%}
    {{ config(
        materialized='incremental', incremental_strategy='insert_overwrite',
        partition_by=[slice_column], file_format='parquet',
    ) }}
{%- endmacro %}
