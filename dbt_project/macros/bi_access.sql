{#- Least privilege for BI (on-run-end). BI tools log in as a member of the role
    var('bi_role') and read the published marts only: marts.recontact_eligibility,
    marts.recontact_cohorts, marts.retention_purge_queue, marts.purge_blocked_by_quality and
    the outreach marts recontact_job_matches, consent_renewal_queue, recontact_outcomes
    (the same as loader/contract.py MART_KEYS); never schema `outreach`. The marts carry ids, dates and
    reasons, never contact details or evaluation text (docs/engines.md). Every other schema
    (raw, staging, intermediate, reference, and outreach, which holds the message
    drafts) stays closed to the role; the grants are
    made again after each build because dbt replaces the tables. -#}
{% macro grant_bi_access() -%}
    {{ return(adapter.dispatch('grant_bi_access', 'recontact')()) }}
{%- endmacro %}

{#- DuckDB is a file (BI reads the published Parquet copy), Spark's grants belong to
    the cluster's catalog (Unity Catalog / Ranger, docs/engines.md): nothing to do here. -#}
{% macro default__grant_bi_access() -%}
    select 1
{%- endmacro %}

{% macro bi_published_marts() -%}
    {{ return([
        'recontact_eligibility', 'recontact_cohorts', 'retention_purge_queue', 'purge_blocked_by_quality',
        'recontact_job_matches', 'consent_renewal_queue', 'recontact_outcomes',
    ]) }}
{%- endmacro %}

{#- One DO block: schemas and marts that a partial run did not build are skipped. -#}
{% macro postgres__grant_bi_access() -%}
    {%- set role = var('bi_role') -%}
    do $$
    declare
        closed_schema text;
        mart text;
    begin
        if not exists (select 1 from pg_roles where rolname = '{{ role }}') then
            create role {{ role }} nologin;
        end if;
        foreach closed_schema in array array['raw', 'staging', 'intermediate', 'reference', 'marts', 'outreach'] loop
            if exists (select 1 from pg_namespace where nspname = closed_schema) then
                execute format('revoke all on all tables in schema %I from public, {{ role }}', closed_schema);
                execute format('revoke all on schema %I from public, {{ role }}', closed_schema);
            end if;
        end loop;
        foreach mart in array array[{{ "'" ~ bi_published_marts() | join("', '") ~ "'" }}] loop
            if to_regclass(format('marts.%I', mart)) is not null then
                execute 'grant usage on schema marts to {{ role }}';
                execute format('grant select on marts.%I to {{ role }}', mart);
            end if;
        end loop;
    end
    $$
{%- endmacro %}
