{#- The day D the rules are evaluated for, and the rule set that made a mart. -#}

{% macro as_of_date_string() -%}
    {%- set configured = var('as_of_date') -%}
    {%- if configured is none or configured | string | trim == '' -%}
        {%- set tz = modules.pytz.timezone(var('recontact_timezone')) -%}
        {{- run_started_at.astimezone(tz).strftime('%Y-%m-%d') -}}
    {%- else -%}
        {{- date_var('as_of_date') -}}
    {%- endif -%}
{%- endmacro %}

{#- A var that must be a real day written YYYY-MM-DD, as that text. -#}
{% macro date_var(name) -%}
    {%- set text = var(name) | string | trim -%}
    {%- if not modules.re.fullmatch('[0-9]{4}-[0-9]{2}-[0-9]{2}', text) or not is_calendar_date(text) -%}
        {{ exceptions.raise_compiler_error("var " ~ name ~ " must be a date YYYY-MM-DD, got '" ~ text ~ "'") }}
    {%- endif -%}
    {{- text -}}
{%- endmacro %}

{#- Whether YYYY-MM-DD text names a real day (Jinja has no try/except). -#}
{% macro is_calendar_date(text) -%}
    {%- set parts = text.split('-') | map('int') | list -%}
    {%- set year, month, day = parts[0], parts[1], parts[2] -%}
    {%- if year < 1 or month < 1 or month > 12 or day < 1 -%}
        {{ return(false) }}
    {%- endif -%}
    {%- set next_month = modules.datetime.date(year + 1, 1, 1) if month == 12 else modules.datetime.date(year, month + 1, 1) -%}
    {{ return(day <= (next_month - modules.datetime.timedelta(days=1)).day) }}
{%- endmacro %}

{#- D as a SQL date literal. -#}
{% macro as_of_date() -%}
    cast('{{ as_of_date_string() }}' as date)
{%- endmacro %}

{#- `v1.1` (recontact-rules, with the data-quality hold) with the default rule parameters; any other value is spelled out, so a
    mart always says exactly which rules made it (docs/rules-interpretation.md). -#}
{% macro rule_set_version() -%}
    {%- set defaults = {
        'recontact_cooldown_days': ('cooldown_days', 180),
        'recontact_min_months_since_close': ('min_months_since_close', 3),
        'recontact_lookback_months': ('lookback_months', 36),
    } -%}
    {%- set parts = ['v1.1'] -%}
    {%- for name, (label, default) in defaults.items() -%}
        {%- set value = rule_parameter(name) | int -%}
        {%- if value != default -%}
            {%- do parts.append(label ~ '=' ~ value) -%}
        {%- endif -%}
    {%- endfor -%}
    '{{ parts | join(";") }}'
{%- endmacro %}

{#- A rule parameter as a validated non-negative integer literal. -#}
{% macro rule_parameter(name) -%}
    {%- set text = var(name) | string | trim -%}
    {%- if not modules.re.fullmatch('[0-9]+', text) -%}
        {{ exceptions.raise_compiler_error("var " ~ name ~ " must be a non-negative integer, got '" ~ text ~ "'") }}
    {%- endif -%}
    {{- text | int -}}
{%- endmacro %}
