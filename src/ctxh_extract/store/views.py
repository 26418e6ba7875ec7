"""The views journalists query: from statements to figures to per-province summaries.

The tables keep one row per *statement* (a title, a lead and a paragraph that
repeat "350 cộng tác viên" are three rows, each with its evidence). Sums need
one row per *figure*, so the views build up in three steps:

``statements``
    every count and percentage with the unit it is about (``units``: ``Huế``
    and ``Thừa Thiên Huế`` are one unit; national facts have scope
    ``national``), whether its category is a stock or a flow
    (``category_kinds``), and the ``figure_id`` of the figure it belongs to.
    A statement with no period takes the period of the other statements of
    the same figure in its article when they all give the same one.
``figures``
    one row per figure: the same unit, fact type, category (percentages: kind
    and subject), value, value_max, qualifier, target flag, per-unit and
    period. Statements of several articles that agree on all of these are one
    figure, with the list of its articles, evidence and fact ids.
``province_summary`` / ``province_flows``
    per unit: stocks as the latest figure, flows as the sum of distinct
    figures, parts never added (the rules are in README.md, "Figures").

Each step is a function of the relations below it, so the review page runs the
very same SQL on a subset of the articles.
"""

from __future__ import annotations

from .reference import REFORM_DATE

# the identity of a figure (besides its period); a NULL equals a NULL in PARTITION BY and GROUP BY
FIGURE_KEY = ("fact_type", "unit_key", "category", "kind", "subject_key", "value", "value_max", "qualifier",
              "is_target", "per_unit")


def _key_sql(cols: tuple[str, ...]) -> str:
    """One string for a tuple of columns, NULL kept distinct from every value."""
    parts = ", ".join(f"coalesce(CAST({c} AS VARCHAR), '\u2205')" for c in cols)
    return f"md5(concat_ws('\x1f', {parts}))"


def statements_sql(articles: str = "articles") -> str:
    """One row per count or percentage of ``articles``, with its unit, stock/flow kind and figure.

    The windows that merge periods and name figures run over a narrow projection (ids, keys,
    periods) joined back by row, so their memory does not grow with the evidence text."""
    return f"""
        WITH s AS (
            SELECT 'c' || CAST(c.rowid AS VARCHAR) AS row_key, 'count' AS fact_type,
                   coalesce(c.fact_id, c.article_id || ':c' || c.start_char || '-' || c.end_char) AS fact_id,
                   c.article_id, a.published_date, a.title, a.outlet, a.url,
                   coalesce(c.province, a.primary_province) AS stated_province,
                   coalesce(c.province_2025, a.primary_province_2025) AS stated_province_2025,
                   c.category, CAST(NULL AS VARCHAR) AS kind, CAST(c.value AS DOUBLE) AS value,
                   CAST(c.value_max AS DOUBLE) AS value_max, c.qualifier, c.unit, c.per_unit,
                   CAST(NULL AS VARCHAR) AS subject, c.is_target, c.period_start, c.period_end,
                   coalesce(c.is_part, c.part_of IS NOT NULL) AS is_part, c.part_of,
                   c.evidence, c.start_char, c.end_char, c.rule
            FROM counts c JOIN {articles} a USING (article_id)
            UNION ALL
            SELECT 'p' || CAST(p.rowid AS VARCHAR), 'percentage',
                   coalesce(p.fact_id, p.article_id || ':p' || p.start_char || '-' || p.end_char),
                   p.article_id, a.published_date, a.title, a.outlet, a.url,
                   coalesce(p.province, a.primary_province), coalesce(p.province_2025, a.primary_province_2025),
                   NULL, p.kind, p.value, p.value_max, p.qualifier, '%', NULL, p.subject, p.is_target,
                   p.period_start, p.period_end, false, NULL, p.evidence, p.start_char, p.end_char, p.rule
            FROM percentages p JOIN {articles} a USING (article_id)
        ),
        u AS (
            SELECT s.*,
                   CASE WHEN s.stated_province IS NULL THEN 'national' ELSE 'province' END AS scope,
                   coalesce(m.province, s.stated_province) AS province, m.province_code,
                   coalesce(m.province_2025, s.stated_province_2025) AS province_2025,
                   coalesce(m.after_merger, false) AS after_merger,
                   coalesce(m.sort_key, s.stated_province) AS sort_key,
                   k.stock_or_flow,
                   -- what a percentage is of, compared without case, spacing or punctuation
                   CASE WHEN s.fact_type = 'percentage' THEN
                        trim(regexp_replace(lower(coalesce(s.subject, '')), '[\\s[:punct:]“”‘’…–—]+', ' ', 'g'))
                   END AS subject_key
            FROM s
            LEFT JOIN units m ON m.name = s.stated_province
                 AND m.after_reform = coalesce(s.published_date >= DATE '{REFORM_DATE}', false)
            LEFT JOIN category_kinds k ON k.category = s.category
        ),
        k AS (
            SELECT u.*,
                   CASE WHEN scope = 'national' THEN 'national'
                        ELSE 'province:' || coalesce(province_code, '') || ':' || province
                             || CASE WHEN after_merger THEN ':2025' ELSE '' END END AS unit_key
            FROM u
        ),
        narrow AS (
            SELECT row_key, fact_id, article_id, {_key_sql(FIGURE_KEY)} AS figure_key,
                   period_start, period_end, (period_start IS NOT NULL OR period_end IS NOT NULL) AS has_period,
                   coalesce(CAST(period_start AS VARCHAR), '') || '-' || coalesce(CAST(period_end AS VARCHAR), '')
                       AS period_text
            FROM k
        ),
        -- the periods the statements of one figure give within one article
        known AS (
            SELECT article_id, figure_key, min(period_text) AS lo, max(period_text) AS hi,
                   min(period_start) AS sibling_start, min(period_end) AS sibling_end
            FROM narrow WHERE has_period GROUP BY article_id, figure_key
        ),
        merged AS (
            SELECT n.row_key, n.fact_id, n.figure_key, n.has_period,
                   (NOT n.has_period AND kn.lo IS NOT NULL AND kn.lo = kn.hi) AS period_from_repeat,
                   CASE WHEN NOT n.has_period AND kn.lo = kn.hi THEN kn.sibling_start ELSE n.period_start END
                       AS period_start,
                   CASE WHEN NOT n.has_period AND kn.lo = kn.hi THEN kn.sibling_end ELSE n.period_end END
                       AS period_end
            FROM narrow n LEFT JOIN known kn ON kn.article_id = n.article_id AND kn.figure_key = n.figure_key
        ),
        named AS (
            SELECT row_key, period_start, period_end, period_from_repeat,
                   min(fact_id) OVER (PARTITION BY figure_key, period_start, period_end) AS figure_id
            FROM merged
        )
        SELECT k.fact_id, k.fact_type, k.article_id, k.published_date, k.title, k.outlet, k.url, k.scope,
               k.unit_key, k.province, k.province_code, k.province_2025, k.after_merger, k.sort_key, k.category,
               k.kind, k.stock_or_flow, k.value, k.value_max, k.qualifier, k.unit, k.per_unit, k.subject,
               k.subject_key, k.is_target, n.period_start, n.period_end, k.period_start AS stated_period_start,
               k.period_end AS stated_period_end, n.period_from_repeat, k.is_part, k.part_of, k.evidence,
               k.start_char, k.end_char, k.rule, n.figure_id
        FROM k JOIN named n USING (row_key)"""


def figures_sql(statements: str = "statements") -> str:
    """One row per figure of ``statements``: its statements merged, their articles and evidence listed."""
    return f"""
        WITH st AS (SELECT * FROM {statements}),
        s AS (
            SELECT st.*, w.figure_id AS whole_figure
            FROM st LEFT JOIN (SELECT fact_id, min(figure_id) AS figure_id FROM st GROUP BY fact_id) w
                 ON w.fact_id = st.part_of
        ),
        per_article AS (
            SELECT figure_id, article_id, any_value(published_date) AS published_date, any_value(url) AS url,
                   count(*) AS n,
                   list(evidence ORDER BY start_char, fact_id) AS evidence,
                   list(fact_id ORDER BY start_char, fact_id) AS fact_ids,
                   bool_or(is_part AND whole_figure IS DISTINCT FROM figure_id) AS is_part,
                   min(CASE WHEN whole_figure <> figure_id THEN whole_figure END) AS part_of,
                   any_value(fact_type) AS fact_type, any_value(scope) AS scope, any_value(unit_key) AS unit_key,
                   any_value(province) AS province, any_value(province_code) AS province_code,
                   any_value(province_2025) AS province_2025, any_value(after_merger) AS after_merger,
                   any_value(sort_key) AS sort_key, any_value(category) AS category, any_value(kind) AS kind,
                   any_value(stock_or_flow) AS stock_or_flow, any_value(value) AS value,
                   any_value(value_max) AS value_max, any_value(qualifier) AS qualifier,
                   any_value(is_target) AS is_target, any_value(period_start) AS period_start,
                   any_value(period_end) AS period_end, any_value(per_unit) AS per_unit,
                   min(unit) AS unit, min(subject) AS subject
            FROM s GROUP BY figure_id, article_id
        )
        SELECT figure_id, any_value(fact_type) AS fact_type, any_value(scope) AS scope,
               any_value(province) AS province, any_value(province_code) AS province_code,
               any_value(province_2025) AS province_2025, any_value(after_merger) AS after_merger,
               any_value(category) AS category, any_value(kind) AS kind,
               any_value(stock_or_flow) AS stock_or_flow, any_value(value) AS value,
               any_value(value_max) AS value_max, any_value(qualifier) AS qualifier,
               any_value(is_target) AS is_target, any_value(period_start) AS period_start,
               any_value(period_end) AS period_end, any_value(per_unit) AS per_unit,
               min(unit) AS unit, min(subject) AS subject,
               bool_or(is_part) AS is_part, min(part_of) AS part_of,
               CAST(sum(n) AS INTEGER) AS n_statements, CAST(count(*) AS INTEGER) AS n_articles,
               list(article_id ORDER BY published_date NULLS FIRST, article_id) AS articles,
               min(published_date) AS first_published, max(published_date) AS last_published,
               list(article_id ORDER BY published_date NULLS FIRST, article_id)[-1] AS latest_article,
               list(url ORDER BY published_date NULLS FIRST, article_id) AS urls,
               flatten(list(evidence ORDER BY published_date NULLS FIRST, article_id)) AS evidence,
               flatten(list(fact_ids ORDER BY published_date NULLS FIRST, article_id)) AS fact_ids,
               any_value(unit_key) AS unit_key, any_value(sort_key) AS sort_key
        FROM per_article GROUP BY figure_id
        ORDER BY any_value(scope) = 'national', any_value(sort_key), any_value(after_merger), any_value(fact_type),
                 any_value(category), any_value(kind), any_value(period_end) NULLS FIRST,
                 any_value(period_start) NULLS FIRST, any_value(value) DESC, figure_id"""


def _summable(figures: str) -> str:
    """The figures a summary may use: achieved counts, totals (not per place), not parts."""
    return (f"SELECT * FROM {figures} WHERE fact_type = 'count' AND NOT is_target AND NOT is_part "
            f"AND per_unit IS NULL")


def _flows(figures: str) -> str:
    """Flow figures that add up: a figure whose period lies inside the wider period of a larger
    figure of the same unit and category is inside that figure, so it is not added again."""
    return f"""
        WITH f AS ({_summable(figures)})
        SELECT f.* FROM f
        WHERE f.stock_or_flow = 'flow' AND NOT EXISTS (
            SELECT 1 FROM f g
            WHERE g.stock_or_flow = 'flow' AND g.unit_key = f.unit_key AND g.category = f.category
              AND g.figure_id <> f.figure_id AND g.value >= f.value
              AND (f.period_start IS NOT NULL OR f.period_end IS NOT NULL)
              AND (g.period_start IS NOT NULL OR g.period_end IS NOT NULL)
              AND coalesce(g.period_start, -1) <= coalesce(f.period_start, -1)
              AND coalesce(g.period_end, 99999) >= coalesce(f.period_end, 99999)
              AND (g.period_start IS DISTINCT FROM f.period_start OR g.period_end IS DISTINCT FROM f.period_end))"""


def _stocks(figures: str) -> str:
    """The latest stock figure per unit and category: by the end of its period, else the year it was
    published; then the later-published; then the larger value."""
    return f"""
        SELECT * FROM (
            SELECT f.*, row_number() OVER (
                PARTITION BY unit_key, category
                ORDER BY coalesce(period_end, year(last_published)) DESC NULLS LAST,
                         last_published DESC NULLS LAST, value DESC, figure_id) AS rank
            FROM ({_summable(figures)}) f WHERE stock_or_flow = 'stock') WHERE rank = 1"""


def summary_sql(figures: str = "figures", articles: str = "articles") -> str:
    """Per unit (and one national row): articles, trainees, collaborators, centres, target percentages."""
    return f"""
        WITH figs AS (SELECT * FROM {figures}),
        art AS (
            SELECT a.article_id,
                   CASE WHEN a.primary_province IS NULL THEN 'national' ELSE 'province' END AS scope,
                   coalesce(m.province, a.primary_province) AS province, m.province_code,
                   coalesce(m.province_2025, a.primary_province_2025) AS province_2025,
                   coalesce(m.after_merger, false) AS after_merger,
                   coalesce(m.sort_key, a.primary_province) AS sort_key
            FROM {articles} a LEFT JOIN units m ON m.name = a.primary_province
                 AND m.after_reform = coalesce(a.published_date >= DATE '{REFORM_DATE}', false)
        ),
        art_k AS (
            SELECT *, CASE WHEN scope = 'national' THEN 'national'
                           ELSE 'province:' || coalesce(province_code, '') || ':' || province
                                || CASE WHEN after_merger THEN ':2025' ELSE '' END END AS unit_key
            FROM art
        ),
        units_seen AS (
            SELECT unit_key, any_value(scope) AS scope, any_value(province) AS province,
                   any_value(province_code) AS province_code, max(province_2025) AS province_2025,
                   any_value(after_merger) AS after_merger, any_value(sort_key) AS sort_key
            FROM (SELECT unit_key, scope, province, province_code, province_2025, after_merger, sort_key FROM figs
                  UNION ALL
                  SELECT unit_key, scope, province, province_code, province_2025, after_merger, sort_key FROM art_k)
            GROUP BY unit_key
        ),
        n_art AS (SELECT unit_key, count(*) AS n FROM art_k GROUP BY unit_key),
        flows AS (SELECT unit_key, category, sum(value) AS total FROM ({_flows('figs')}) GROUP BY unit_key, category),
        stocks AS ({_stocks('figs')}),
        targets AS (SELECT unit_key, count(*) AS n FROM figs WHERE fact_type = 'percentage' AND is_target
                    GROUP BY unit_key)
        SELECT u.province, u.province_2025,
               CAST(coalesce(n_art.n, 0) AS BIGINT) AS articles,
               CAST(coalesce(tr.total, 0) AS BIGINT) AS trainees,
               CAST(coalesce(co.value, 0) AS BIGINT) AS collaborators,
               CAST(coalesce(ce.value, 0) AS BIGINT) AS centres,
               CAST(coalesce(t.n, 0) AS BIGINT) AS target_percentages,
               u.scope, u.province_code, u.after_merger,
               co.last_published AS collaborators_as_of, co.latest_article AS collaborators_article,
               ce.last_published AS centres_as_of, ce.latest_article AS centres_article,
               u.sort_key
        FROM units_seen u
        LEFT JOIN n_art ON n_art.unit_key = u.unit_key
        LEFT JOIN flows tr ON tr.unit_key = u.unit_key AND tr.category = 'trainees'
        LEFT JOIN stocks co ON co.unit_key = u.unit_key AND co.category = 'collaborators'
        LEFT JOIN stocks ce ON ce.unit_key = u.unit_key AND ce.category = 'centres'
        LEFT JOIN targets t ON t.unit_key = u.unit_key
        ORDER BY u.scope = 'national', u.sort_key, u.after_merger"""


def flows_sql(figures: str = "figures") -> str:
    """Per unit, flow category and period: the sum of the distinct achieved figures of exactly that period."""
    return f"""
        SELECT * FROM (
            SELECT any_value(province) AS province, any_value(province_2025) AS province_2025, category,
                   period_start, period_end, CAST(sum(value) AS BIGINT) AS total,
                   CAST(count(*) AS INTEGER) AS figures, any_value(scope) AS scope,
                   any_value(province_code) AS province_code, any_value(after_merger) AS after_merger,
                   any_value(sort_key) AS sort_key
            FROM ({_summable(figures)}) WHERE stock_or_flow = 'flow'
            GROUP BY unit_key, category, period_start, period_end)
        ORDER BY scope = 'national', sort_key, after_merger, category, period_start NULLS FIRST,
                 period_end NULLS FIRST"""


VIEWS = {
    "article_provinces": """
        SELECT DISTINCT m.article_id, m.province, m.province_2025, m.province_code
        FROM province_mentions m WHERE m.in_body""",
    "facts": """
        SELECT 'count' AS fact_type, c.article_id, a.title, a.published_date, a.outlet,
               coalesce(c.province, a.primary_province) AS province,
               coalesce(c.province_2025, a.primary_province_2025) AS province_2025,
               c.category, CAST(c.value AS DOUBLE) AS value, CAST(c.value_max AS DOUBLE) AS value_max,
               c.qualifier, c.unit, c.per_unit, NULL AS kind, c.is_target, c.period_start, c.period_end,
               c.evidence, c.start_char, c.end_char, c.rule,
               coalesce(c.fact_id, c.article_id || ':c' || c.start_char || '-' || c.end_char) AS fact_id,
               coalesce(c.is_part, c.part_of IS NOT NULL) AS is_part, c.part_of, a.url
        FROM counts c JOIN articles a USING (article_id)
        UNION ALL
        SELECT 'percentage', p.article_id, a.title, a.published_date, a.outlet,
               coalesce(p.province, a.primary_province), coalesce(p.province_2025, a.primary_province_2025),
               NULL, p.value, p.value_max, p.qualifier, '%', NULL, p.kind, p.is_target, p.period_start,
               p.period_end, p.evidence, p.start_char, p.end_char, p.rule,
               coalesce(p.fact_id, p.article_id || ':p' || p.start_char || '-' || p.end_char), false, NULL, a.url
        FROM percentages p JOIN articles a USING (article_id)""",
    "statements": f"SELECT * FROM ({statements_sql()}) ORDER BY article_id, start_char, fact_type, fact_id",
    "figures": figures_sql(f"({statements_sql()})"),
    "province_summary": summary_sql(),
    "province_flows": flows_sql(),
}
