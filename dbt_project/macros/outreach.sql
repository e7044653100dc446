{#- Outreach drafts (recontact-outreach v1): the few text operations the drafts need, per
    engine. -#}

{#- Text as the withholding check compares it: NFKC, then lower case (the spec's
    "case-insensitively after NFKC"). PostgreSQL has normalize(.., NFKC); DuckDB and Spark
    have no NFKC, so the part of it that matters for a deny-list written in Japanese and
    English is applied: full-width ASCII (Ａ, ！, ０ ...) and the ideographic space become
    their ASCII forms (docs/rules-interpretation.md). -#}
{% macro nfkc_casefold(text_expr) -%}
    {{ return(adapter.dispatch('nfkc_casefold', 'recontact')(text_expr)) }}
{%- endmacro %}

{% macro default__nfkc_casefold(text_expr) -%}
    lower(translate({{ text_expr }}, '！＂＃＄％＆＇（）＊＋，－．／０１２３４５６７８９：；＜＝＞？＠ＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＸＹＺ［＼］＾＿｀ａｂｃｄｅｆｇｈｉｊｋｌｍｎｏｐｑｒｓｔｕｖｗｘｙｚ｛｜｝～　', '!"#$%&''()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\]^_`abcdefghijklmnopqrstuvwxyz{|}~ '))
{%- endmacro %}

{% macro spark__nfkc_casefold(text_expr) -%}
    lower(translate({{ text_expr }}, '！＂＃＄％＆＇（）＊＋，－．／０１２３４５６７８９：；＜＝＞？＠ＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＸＹＺ［＼］＾＿｀ａｂｃｄｅｆｇｈｉｊｋｌｍｎｏｐｑｒｓｔｕｖｗｘｙｚ｛｜｝～　', '!"#$%&''()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\]^_`abcdefghijklmnopqrstuvwxyz{|}~ '))
{%- endmacro %}

{% macro postgres__nfkc_casefold(text_expr) -%}
    lower(normalize({{ text_expr }}, NFKC))
{%- endmacro %}

{#- The longest prefix of text that ends with a sentence or clause mark (。、.,;), or ''
    when it has none; the drafts apply it to the first 120 characters. -#}
{% macro through_last_clause_mark(text_expr) -%}
    {{ return(adapter.dispatch('through_last_clause_mark', 'recontact')(text_expr)) }}
{%- endmacro %}

{% macro default__through_last_clause_mark(text_expr) -%}
    regexp_extract({{ text_expr }}, '(?s)^(.*[。、.,;])', 1)
{%- endmacro %}

{% macro postgres__through_last_clause_mark(text_expr) -%}
    coalesce(substring({{ text_expr }} from '^(.*[。、.,;])'), '')
{%- endmacro %}

{#- An evaluation's strengths as a draft cites them: at most 120 characters whole; a longer
    text cut after the last sentence or clause mark within its first 120 characters,
    keeping the mark, or to its first 119 characters and `…` when there is none. -#}
{% macro cited_strengths(text_expr) -%}
    case
        when length({{ text_expr }}) <= 120 then {{ text_expr }}
        when {{ through_last_clause_mark('substring(' ~ text_expr ~ ', 1, 120)') }} <> ''
            then {{ through_last_clause_mark('substring(' ~ text_expr ~ ', 1, 120)') }}
        else {{ dbt.concat(['substring(' ~ text_expr ~ ', 1, 119)', "'…'"]) }}
    end
{%- endmacro %}

{#- Lower-case hex SHA-256 of a text's UTF-8 bytes. -#}
{% macro sha256_hex(text_expr) -%}
    {{ return(adapter.dispatch('sha256_hex', 'recontact')(text_expr)) }}
{%- endmacro %}

{% macro default__sha256_hex(text_expr) -%}
    sha256({{ text_expr }})
{%- endmacro %}

{% macro spark__sha256_hex(text_expr) -%}
    sha2({{ text_expr }}, 256)
{%- endmacro %}

{% macro postgres__sha256_hex(text_expr) -%}
    encode(sha256(convert_to({{ text_expr }}, 'UTF8')), 'hex')
{%- endmacro %}
