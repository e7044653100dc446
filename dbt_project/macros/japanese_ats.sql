{#- The Japanese ATS export's fixed vocabularies (docs/source-japanese-ats.md): status
    values as the vendor writes them -> the canonical enum, and evaluation grades. Stage
    names and reasons are NOT here: the seeds map those. A value missing here maps to
    NULL, which the base model quarantines as an unknown status. -#}

{% macro japanese_ats_vocabulary(kind) -%}
    {%- set vocabularies = {
        'application_status': {
            '選考中': 'active',
            '不採用': 'rejected',
            '辞退': 'withdrawn',
            '選考辞退': 'withdrawn',
            '内定辞退': 'offer_declined',
            '入社': 'hired',
            '採用': 'hired',
        },
        'offer_status': {
            '回答待ち': 'pending',
            '承諾': 'accepted',
            '辞退': 'declined',
            '取消': 'rescinded',
        },
        'job_status': {
            '募集中': 'open',
            '一時停止': 'on_hold',
            '募集終了': 'closed',
            '充足': 'filled',
        },
        'rating': {
            's': 5, 'a': 4, 'b': 3, 'c': 2, 'd': 1,
            '5': 5, '4': 4, '3': 3, '2': 2, '1': 1,
        },
    } -%}
    {{ return(vocabularies[kind]) }}
{%- endmacro %}

{#- The canonical value of a vendor value (trimmed, lower case compared), NULL when unknown. -#}
{% macro japanese_ats_map(text_expr, kind) -%}
    case {{ mapping_key(text_expr) }}
    {%- for vendor_value, canonical in japanese_ats_vocabulary(kind).items() %}
        when '{{ vendor_value }}' then {% if canonical is number %}{{ canonical }}{% else %}'{{ canonical }}'{% endif %}
    {%- endfor %}
    end
{%- endmacro %}
