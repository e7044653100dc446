{#- The rule set's fixed vocabularies (recontact-rules v1), in the spec's order.
    Models and tests read them from here, so a new rule version changes one place. -#}

{% macro canonical_stages() -%}
    {{ return([
        ('applied', 1),
        ('screening', 2),
        ('first_interview', 3),
        ('second_interview', 4),
        ('final_interview', 5),
        ('offer', 6),
        ('hired', 7),
    ]) }}
{%- endmacro %}

{% macro canonical_stage_order(stage_name) -%}
    {%- for name, order in canonical_stages() if name == stage_name -%}
        {{- order -}}
    {%- else -%}
        {{ exceptions.raise_compiler_error("unknown canonical stage '" ~ stage_name ~ "'") }}
    {%- endfor -%}
{%- endmacro %}

{#- The canonical stage name for a stage_order expression. -#}
{% macro canonical_stage_name(order_expr) -%}
    case {{ order_expr }}
    {%- for name, order in canonical_stages() %}
        when {{ order }} then '{{ name }}'
    {%- endfor %}
    end
{%- endmacro %}

{% macro rejection_categories() -%}
    {{ return([
        'preferred_other_candidate', 'culture_fit', 'headcount_budget', 'timing',
        'offer_conditions', 'candidate_withdrew', 'skills_gap', 'disqualified', 'other',
    ]) }}
{%- endmacro %}

{#- Exclusion reasons in priority order, each with the boolean column of
    int_persons_evaluated that says it applies. -#}
{% macro exclusion_reasons() -%}
    {{ return([
        ('erasure_requested', 'is_erasure_requested'),
        ('deleted_in_source', 'is_deleted_in_source'),
        ('stop_use_requested', 'is_stop_use_requested'),
        ('data_quality_hold', 'is_data_quality_held'),
        ('hired', 'is_hired'),
        ('active_application', 'has_open_application'),
        ('no_closed_application', 'has_no_closed_application'),
        ('retention_expired', 'is_retention_expired'),
        ('no_recontact_consent', 'lacks_recontact_consent'),
        ('stop_contact_requested', 'is_stop_contact_requested'),
        ('disqualified', 'is_disqualified'),
        ('recently_contacted', 'is_recently_contacted'),
        ('too_recent', 'is_too_recent'),
        ('outside_lookback', 'is_outside_lookback'),
    ]) }}
{%- endmacro %}

{% macro exclusion_reason_names() -%}
    {{ return(exclusion_reasons() | map(attribute=0) | list) }}
{%- endmacro %}

{% macro cohorts() -%}
    {{ return(['final_interview', 'culture_fit', 'offer_declined_conditions', 'timing_headcount']) }}
{%- endmacro %}

{% macro purge_reasons() -%}
    {{ return(['erasure_requested', 'deleted_in_source', 'retention_expired']) }}
{%- endmacro %}

{#- Quarantine reasons that are no fault in the data but a source's mapping setting a row
    aside by design (docs/source-greenhouse.md): a prospect is not an application to a
    job, and a row deleted in Greenhouse is no longer there. They do not hold the person
    (rule set v1.1, docs/rules-interpretation.md); every other reason does. -#}
{% macro set_aside_reasons() -%}
    {{ return([
        'deleted in Greenhouse (_fivetran_deleted)',
        'prospect, not an application to a job',
    ]) }}
{%- endmacro %}
