{#- Matching keys of cross-source identity (int_person_identity, docs/identity.md).
    Inputs are already NFKC-normalised where a source needs it (Japanese CSVs are
    normalised in Python before they are read). A key is NULL when it cannot match. -#}

{#- E-mail: trimmed and lower-cased, only when it looks like one address. -#}
{% macro identity_email_key(email_expr) -%}
    case
        when {{ regexp_like('lower(trim(' ~ email_expr ~ '))', "'^[^@ ]+@[^@ ]+[.][^@ ]+$'") }}
            then lower(trim({{ email_expr }}))
    end
{%- endmacro %}

{#- Phone: digits only; a Japanese number written internationally (+81 90 ...) is
    written nationally (090...). Fewer than 7 digits cannot identify anyone. -#}
{% macro identity_phone_key(phone_expr) -%}
    {%- set digits = digits_only(phone_expr) -%}
    case
        when length({{ digits }}) < 7 then null
        when {{ regexp_like('trim(' ~ phone_expr ~ ')', "'^[+]81'") }}
            then {{ dbt.concat(["'0'", dbt.right(digits, 'length(' ~ digits ~ ') - 2')]) }}
        when {{ regexp_like('trim(' ~ phone_expr ~ ')', "'^[+]'") }}
            then {{ dbt.concat(["'+'", digits]) }}
        else {{ digits }}
    end
{%- endmacro %}

{#- Name: lower-cased, every space removed (so 山田 太郎 and 山田太郎 match; the order of
    family and given name is kept, so "Taro Yamada" and "Yamada Taro" do not). -#}
{% macro identity_name_key(name_expr) -%}
    nullif(lower(replace(replace({{ name_expr }}, ' ', ''), '　', '')), '')
{%- endmacro %}

{% macro digits_only(text_expr) -%}
    {{ return(adapter.dispatch('digits_only', 'recontact')(text_expr)) }}
{%- endmacro %}

{% macro default__digits_only(text_expr) -%}
    regexp_replace({{ text_expr }}, '[^0-9]', '', 'g')
{%- endmacro %}

{% macro spark__digits_only(text_expr) -%}
    regexp_replace({{ text_expr }}, '[^0-9]', '')
{%- endmacro %}

{#- Post-hook of int_person_identity (incremental): the rows of records that are no longer
    staged (a purge, a re-sent batch without them) go; the run recomputed their persons. -#}
{% macro delete_identity_of_gone_records() -%}
    {%- if target.type != 'spark' -%}
    delete from {{ this }} as identity
    where not exists (
        select 1
        from {{ ref('int_identity_keys') }} as identity_keys
        where
            identity_keys.source_system = identity.source_system
            and identity_keys.candidate_id = identity.candidate_id
    )
    {%- endif -%}
{%- endmacro %}
