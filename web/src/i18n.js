// The page's own words in English and Arabic, and numbers in the reader's digits. The
// names of indicators, units, definitions and codes come from the API (lang=ar), never
// from here.

const words = {
  en: {
    title: 'Children exploited and abused through technology',
    lede: 'Published, disclosure-controlled statistics of the national case warehouse.',
    skip: 'Skip to the charts',
    language: 'Language',
    digits: 'Digits',
    token: 'Access token',
    use_token: 'Use token',
    forget_token: 'Forget token',
    role_policy: 'Signed in as a policy-maker',
    role_researcher: 'Signed in as a researcher',
    role_admin: 'Signed in as an administrator',
    budget: 'privacy budget left: {n}',
    bad_token: 'That token was not accepted: it is unknown, revoked or expired, or reads no analytics.',
    filters: 'Filters',
    filters_public: 'The filters apply to the published product, free for everyone; what it does not answer needs a policy or researcher token.',
    filters_token: 'The filters apply on Apply. Charts of the published product are free; a chart it does not answer says what it would cost before it asks.',
    apply: 'Apply',
    no_model: 'The filters leave fewer than two factors to compare: clear one to see who is most at risk.',
    costs: 'The published product does not answer this chart with these filters. Asking with your token costs epsilon {cost}; {left} of your privacy budget is left.',
    ask: 'Ask (epsilon {cost})',
    from: 'From',
    to: 'To',
    region: 'Region',
    sex: 'Sex',
    age_band: 'Age band',
    offence: 'Offence',
    detection: 'Detection channel',
    all: 'All',
    reset: 'Clear filters',
    // Counted words: a form per plural category of the language (Intl.PluralRules).
    loading_one: 'Loading {n} chart\u2026',
    loading_other: 'Loading {n} charts\u2026',
    ready_one: '{n} chart drawn.',
    ready_other: '{n} charts drawn.',
    footer: 'Every number passes disclosure control: counts carry a little random noise, and a cell of fewer than 10 children is never published.',
    suppressed: 'fewer than {n}',
    suppressed_short: '<{n}',
    unreliable: 'unreliable',
    unreliable_note: '* unreliable: fewer than 20, or too wide an interval to rely on',
    no_denominator: 'no population',
    partial_note: '+ also cases in cells of fewer than {n}, not counted',
    needs_token: 'The published product does not answer this chart with these filters: a policy or researcher token can ask it.',
    problem: 'The API refused this chart: {title}',
    retry: 'Try again in {when}.',
    definition: 'Definition',
    unit: 'Unit',
    data_version: 'Data version',
    method: 'Method',
    interval: '95% interval',
    data_table: 'Data table',
    copy_link: 'Copy link',
    link_copied: 'Link copied: it opens this chart with these filters.',
    download_csv: 'Download CSV',
    download_png: 'Download PNG',
    value: 'Value',
    lower: 'Lower',
    upper: 'Upper',
    status: 'Status',
    year: 'Year',
    apc: 'Annual change {v}% (95% interval {l} to {u})',
    reference: 'reference',
    factor_sex: 'Sex',
    factor_age_band: 'Age band',
    factor_region: 'Region',
    ratio: 'Rate ratio',
    factor_level: 'Factor and level',
    support: 'Support received',
    stage: 'Offender group and stage',
    cases: 'Cases',
    share: 'Share of reported',
    proportion: 'Re-victimised within 12 months',
    // The views.
    v_trend: 'Child victim rate, national',
    v_trend_d: 'Children with a case in the year per 100,000 children, with its 95% interval.',
    v_new: 'Children identified as victims for the first time',
    v_new_d: 'Children whose first case was reported in the year, per 100,000 children: each child once, in the year it first came to attention.',
    v_sex: 'Child victim rate by sex',
    v_sex_d: 'Girls and boys, per 100,000 children of the same sex.',
    v_age: 'Child victim rate by age band',
    v_age_d: 'Per 100,000 children of the same age.',
    v_compare: 'A region against the national rate',
    v_compare_d: 'The child victim rate of the region chosen in the filters, with its 95% interval, against the national rate over the years; without a region, every region as a thin line.',
    national: 'National',
    embed: 'Embed',
    embed_copied: 'The code that shows this chart on another site was copied.',
    embed_full: 'The whole dashboard',
    about: 'Sources and methods',
    about_sources_h: 'Sources',
    about_sources: 'Cases that police, child protection services, hotlines, health services and online platforms submit to the national case warehouse, linked across agencies under pseudonyms, so that a child reported by several agencies is counted once. Rates divide by the population estimates of children by year, region, sex and age. These are children who came to an agency\u2019s attention, not every child harmed.',
    about_release_h: 'Releases',
    about_release: 'The published tables are renewed every {days}: these since {since}; the next on {next}, then {later}.',
    about_rules_h: 'How no child is exposed',
    rule_noise: 'Every published count carries a little random noise, typically within {children} either way, so that no number reveals whether one particular child is in the data.',
    rule_threshold: 'A count under {children} (or whose true count is under {floor}) is not published: it reads \u201cfewer than {threshold}\u201d, and a rate or share built on it is not published either.',
    rule_release: 'Everyone sees the same published tables, free; the same question gets the same answer until the next release, so asking again reveals nothing.',
    rule_budget: 'A researcher\u2019s or policy-maker\u2019s own questions draw on a privacy budget ({b} every {days}), so that no sequence of questions can single a child out.',
    about_indicators_h: 'The indicators',
    about_docs_h: 'Methods in full',
    doc_methods: 'The statistical methods (docs/methods.md, in English)',
    doc_privacy: 'Disclosure control and privacy (docs/privacy.md, in English)',
    release: 'Release',
    // Counted nouns inside sentences: each number with its noun in the plural form it takes.
    n_children_one: '{n} child',
    n_children_other: '{n} children',
    n_days_one: '{n} day',
    n_days_other: '{n} days',
    release_fact: 'the published tables of {since} (next: {next})',
    release_only: 'the published tables of {since}',
    share_unit: 'share of the reported cases (counts in the data table)',
    top_offences: 'The {k} offences with the most cases are drawn; the data table lists all {n}.',
    n_cases_one: '{n} case',
    n_cases_other: '{n} cases',
    compare_all: 'Choose a region in the filters to follow it against the national rate.',
    compare_unpublished: 'This comparison is drawn from the published tables only, which do not cover these filters.',
    v_regions: 'Regions side by side (age-standardised)',
    v_regions_d: 'Rates standardised to the WHO world population, so that regions of different ages compare; last year of the period.',
    v_map: 'The regions on a map (age-standardised)',
    v_map_d: 'Each region in its place, darker where the rate is higher; the same rates as the bars, last year of the period. A tile shows its value and interval; the data table lists them.',
    map_legend: 'Shades, from light to dark:',
    map_none: 'fewer than {n} or not published',
    map_shade: 'shade {k} of {n}',
    v_offence: 'Offence mix over time',
    v_offence_d: 'Cases involving each offence (a case may involve several).',
    v_detection: 'How cases come to attention',
    v_detection_d: 'Cases by detection channel: proactive detection (hash matching, classifiers, investigations) against reports.',
    v_pathway_adult: 'Justice pathway: cases with adult or unidentified offenders',
    v_pathway_child: 'Justice pathway: cases with children who harmed',
    v_pathway_d: 'The share of the reported cases that reach each stage over the period, with its 95% interval; the counts are in the tooltip and the data table.',
    v_risk: 'Who is most at risk',
    v_risk_d: 'Rate ratios of newly identified victims (Poisson model), against boys and 10-12-year-olds; 1 means no difference.',
    v_interventions: 'Re-victimisation with and without support',
    v_interventions_d: 'Share of victims re-victimised within 12 months, by the support they received, in the last year with a full year of follow-up.',
    chart_alt: '{title}. {n} values; the data table below lists them, and the arrow keys step through them here.',
    // The headline: the story at a glance, from the published national trend.
    headline: 'At a glance',
    h_level: 'In {year}, nationally, {rate} children in every 100,000 were reported as victims (95% interval {lower} to {upper}).',
    h_rise: 'Since {first}, the rate has risen by {apc}% a year (95% interval {l} to {u}).',
    h_fall: 'Since {first}, the rate has fallen by {apc}% a year (95% interval {l} to {u}).',
    h_flat: 'Since {first}, the rate has not changed clearly (annual change {apc}%, 95% interval {l} to {u}).',
    h_means: 'What this means, and what it does not: these are children whose abuse was reported to an agency, not every child harmed. A rising rate can mean more abuse, more reporting or better detection; the figures cannot tell these apart, and a comparison of groups does not show what causes the difference.',
    h_none: 'The national trend is not available.',
  },
  ar: {
    title: 'الأطفال المستغَلّون والمُساء إليهم جنسياً عبر التكنولوجيا',
    lede: 'إحصاءات منشورة، خاضعة لضبط الإفصاح، من مستودع الحالات الوطني.',
    skip: 'انتقل إلى الرسوم البيانية',
    language: 'اللغة',
    digits: 'الأرقام',
    token: 'رمز الوصول',
    use_token: 'استخدم الرمز',
    forget_token: 'انسَ الرمز',
    role_policy: 'دخلت بصفة صانع سياسات',
    role_researcher: 'دخلت بصفة باحث',
    role_admin: 'دخلت بصفة مسؤول',
    budget: 'ميزانية الخصوصية المتبقية: {n}',
    bad_token: 'لم يُقبل هذا الرمز: فهو غير معروف أو ملغى أو منتهٍ، أو لا يتيح قراءة الإحصاءات.',
    filters: 'عوامل التصفية',
    filters_public: 'تنطبق عوامل التصفية على المنتج المنشور مجاناً للجميع؛ وما لا يجيب عنه يحتاج إلى رمز صانع سياسات أو باحث.',
    filters_token: 'تُطبَّق عوامل التصفية عند الضغط على «تطبيق». رسوم المنتج المنشور مجانية؛ والرسم الذي لا يجيب عنه يذكر كلفته قبل أن يُطلب.',
    apply: 'تطبيق',
    no_model: 'لا تترك عوامل التصفية عاملين للمقارنة على الأقل: أزل أحدها لترى من الأكثر عرضة للخطر.',
    costs: 'لا يجيب المنتج المنشور عن هذا الرسم بعوامل التصفية هذه. طلبه برمزك يكلّف إبسيلون \u2068{cost}\u2069؛ ويتبقى من ميزانية الخصوصية \u2068{left}\u2069.',
    ask: 'اطلب (إبسيلون \u2068{cost}\u2069)',
    from: 'من',
    to: 'إلى',
    region: 'المنطقة',
    sex: 'الجنس',
    age_band: 'الفئة العمرية',
    offence: 'الجريمة',
    detection: 'قناة الكشف',
    all: 'الكل',
    reset: 'امسح عوامل التصفية',
    loading_zero: 'لا رسوم للتحميل.',
    loading_one: 'جارٍ تحميل رسم واحد\u2026',
    loading_two: 'جارٍ تحميل رسمين\u2026',
    loading_few: 'جارٍ تحميل {n} رسوم\u2026',
    loading_many: 'جارٍ تحميل {n} رسماً\u2026',
    loading_other: 'جارٍ تحميل {n} رسم\u2026',
    ready_zero: 'لم يُرسم أي رسم.',
    ready_one: 'رُسم رسم واحد.',
    ready_two: 'رُسم رسمان.',
    ready_few: 'رُسمت {n} رسوم.',
    ready_many: 'رُسم {n} رسماً.',
    ready_other: 'رُسم {n} رسم.',
    footer: 'كل رقم يمر بضبط الإفصاح: تحمل الأعداد قدراً يسيراً من الضجيج العشوائي، ولا تُنشر أبداً خلية فيها أقل من 10 أطفال.',
    suppressed: 'أقل من {n}',
    suppressed_short: '<{n}',
    unreliable: 'غير موثوق',
    unreliable_note: '* غير موثوق: أقل من 20، أو فترة أوسع من أن يُعتمد عليها',
    no_denominator: 'لا سكان',
    partial_note: '+ توجد أيضاً حالات في خلايا أقل من {n}، لم تُحتسب',
    needs_token: 'لا يجيب المنتج المنشور عن هذا الرسم بعوامل التصفية هذه: يمكن لرمز صانع سياسات أو باحث أن يطلبه.',
    problem: 'رفضت الواجهة هذا الرسم: {title}',
    retry: 'حاول مجدداً بعد {when}.',
    // The API's refusals, by code: its own texts are English (and its codes Latin), so an
    // Arabic page says them in Arabic; a code not listed here gets refuse_other.
    refuse_D1001: 'نفدت ميزانية الخصوصية لهذا الرمز، فلا يُجاب عن أسئلة جديدة حتى تتجدد.',
    refuse_D1002: 'يكلّف هذا الرسم أكثر من ميزانية الخصوصية كلها لهذا الرمز.',
    refuse_H1429: 'طلبات كثيرة في وقت قصير.',
    refuse_H1430: 'محاولات دخول فاشلة كثيرة من هذا العنوان.',
    refuse_H1503: 'الخادم مشغول أو يتوقف الآن.',
    refuse_Q1005: 'أبعاد أو عوامل تصفية أكثر مما يسمح به هذا الدور.',
    refuse_Q1011: 'لا يُسمح بهذا البعد الحساس في هذا السؤال.',
    refuse_Q1012: 'لا يُسمح بهذا البعد الحساس مع هذا العدد من الأبعاد الأخرى.',
    refuse_Q1013: 'سيكون الجدول أكبر مما يُسمح به.',
    refuse_Q1015: 'الفترة المختارة خارج نطاق البيانات.',
    refuse_S2001: 'المستودع غير متاح مؤقتاً.',
    refuse_S2002: 'تعذّرت الإجابة عن السؤال الآن.',
    refuse_S5005: 'لم تُجب عملية البيانات في الوقت المحدد.',
    refuse_T1006: 'لا يمكن التحقق من الرموز الآن.',
    refuse_A1001: 'لا تكفي الخلايا المنشورة لتقدير النموذج.',
    refuse_other: 'رفضت الواجهة هذا الرسم.',
    definition: 'التعريف',
    unit: 'الوحدة',
    data_version: 'إصدار البيانات',
    method: 'الطريقة',
    interval: 'فترة 95%',
    data_table: 'جدول البيانات',
    copy_link: 'انسخ الرابط',
    link_copied: 'نُسخ الرابط: يفتح هذا الرسم بعوامل التصفية هذه.',
    download_csv: 'نزّل جدول البيانات',
    download_png: 'نزّل الصورة',
    value: 'القيمة',
    lower: 'الحد الأدنى',
    upper: 'الحد الأعلى',
    status: 'الحالة',
    year: 'السنة',
    apc: 'التغير السنوي {v}% (فترة 95% من {l} إلى {u})',
    reference: 'المرجع',
    factor_sex: 'الجنس',
    factor_age_band: 'الفئة العمرية',
    factor_region: 'المنطقة',
    ratio: 'نسبة المعدلات',
    factor_level: 'العامل والمستوى',
    support: 'الدعم المتلقى',
    stage: 'فئة الجاني والمرحلة',
    cases: 'الحالات',
    share: 'النسبة من المُبلَّغ عنها',
    proportion: 'تكرار الإيذاء خلال 12 شهراً',
    v_trend: 'معدل الأطفال الضحايا على المستوى الوطني',
    v_trend_d: 'الأطفال الذين لهم حالة في السنة لكل 100,000 طفل، مع فترة 95%.',
    v_new: 'الأطفال الذين حُدّدوا ضحايا لأول مرة',
    v_new_d: 'الأطفال الذين أُبلغ عن أول حالة لهم في السنة، لكل 100,000 طفل: كل طفل مرة واحدة، في السنة التي عُرف فيها أول مرة.',
    v_sex: 'معدل الأطفال الضحايا حسب الجنس',
    v_sex_d: 'الفتيات والفتيان، لكل 100,000 طفل من الجنس نفسه.',
    v_age: 'معدل الأطفال الضحايا حسب الفئة العمرية',
    v_age_d: 'لكل 100,000 طفل من العمر نفسه.',
    v_compare: 'منطقة مقابل المعدل الوطني',
    v_compare_d: 'معدل الأطفال الضحايا في المنطقة المختارة في عوامل التصفية، مع فترة 95%، مقابل المعدل الوطني عبر السنوات؛ ومن دون اختيار منطقة، تظهر كل منطقة خطاً رفيعاً.',
    national: 'على المستوى الوطني',
    embed: 'تضمين',
    embed_copied: 'نُسخت الشيفرة التي تعرض هذا الرسم في موقع آخر.',
    embed_full: 'لوحة المعلومات كاملة',
    about: 'المصادر والمنهجية',
    about_sources_h: 'المصادر',
    about_sources: 'الحالات التي تقدّمها الشرطة وخدمات حماية الطفل وخطوط المساعدة والخدمات الصحية والمنصات الرقمية إلى مستودع الحالات الوطني، مربوطة بين الجهات بأسماء مستعارة، فيُحسب الطفل الذي تُبلغ عنه عدة جهات مرة واحدة. وتُقسم المعدلات على تقديرات عدد الأطفال حسب السنة والمنطقة والجنس والعمر. هؤلاء أطفال وصلوا إلى علم جهة ما، لا كل طفل تعرّض للأذى.',
    about_release_h: 'الإصدارات',
    about_release: 'تُجدَّد الجداول المنشورة كل {days}: هذه منذ {since}؛ والإصدار التالي في {next}، ثم {later}.',
    about_rules_h: 'كيف لا يُكشف أي طفل',
    rule_noise: 'يحمل كل عدد منشور قدراً يسيراً من الضجيج العشوائي، في حدود {children} زيادةً أو نقصاً عادةً، فلا يكشف أي رقم إن كان طفل بعينه في البيانات.',
    rule_threshold: 'لا يُنشر عدد يقل عن {children} (أو يقل عدده الحقيقي عن {floor})، بل يُكتب «أقل من {threshold}»، ولا يُنشر معدل أو نسبة بُنيا عليه.',
    rule_release: 'يرى الجميع الجداول المنشورة نفسها مجاناً؛ والسؤال نفسه يلقى الجواب نفسه حتى الإصدار التالي، فلا يكشف تكرار السؤال شيئاً.',
    rule_budget: 'تُحتسب أسئلة الباحث أو صانع السياسات الخاصة من ميزانية خصوصية ({b} كل {days})، فلا تستطيع أي سلسلة من الأسئلة تمييز طفل بعينه.',
    about_indicators_h: 'المؤشرات',
    about_docs_h: 'المنهجية كاملة',
    doc_methods: 'الأساليب الإحصائية (docs/methods.md، بالإنجليزية)',
    doc_privacy: 'ضبط الإفصاح والخصوصية (docs/privacy.md، بالإنجليزية)',
    release: 'الإصدار',
    n_children_one: 'طفل واحد',
    n_children_two: 'طفلين',
    n_children_few: '{n} أطفال',
    n_children_many: '{n} طفلاً',
    n_children_other: '{n} طفل',
    n_days_one: 'يوم واحد',
    n_days_two: 'يومين',
    n_days_few: '{n} أيام',
    n_days_many: '{n} يوماً',
    n_days_other: '{n} يوم',
    release_fact: 'الجداول المنشورة في {since} (التالي: {next})',
    release_only: 'الجداول المنشورة في {since}',
    share_unit: 'نسبة من الحالات المُبلَّغ عنها (الأعداد في جدول البيانات)',
    top_offences: 'تُرسم الجرائم الـ{k} الأكثر حالات؛ ويسرد جدول البيانات الجرائم كلها ({n}).',
    n_cases_zero: 'لا حالات',
    n_cases_one: 'حالة واحدة',
    n_cases_two: 'حالتان',
    n_cases_few: '{n} حالات',
    n_cases_many: '{n} حالة',
    n_cases_other: '{n} حالة',
    compare_all: 'اختر منطقة في عوامل التصفية لتتابعها مقابل المعدل الوطني.',
    compare_unpublished: 'تُرسم هذه المقارنة من الجداول المنشورة فقط، وهي لا تغطي عوامل التصفية هذه.',
    v_regions: 'المناطق جنباً إلى جنب (معدلات معيارية حسب العمر)',
    v_regions_d: 'معدلات معيارية وفق سكان العالم لمنظمة الصحة العالمية، لتُقارن المناطق مختلفة الأعمار؛ السنة الأخيرة من الفترة.',
    v_map: 'المناطق على الخريطة (معدلات معيارية حسب العمر)',
    v_map_d: 'كل منطقة في موضعها، وأدكن حيث المعدل أعلى؛ المعدلات نفسها التي في الأعمدة، للسنة الأخيرة من الفترة. تُظهر كل خانة قيمتها وفترتها؛ ويسردها جدول البيانات.',
    map_legend: 'الدرجات من الفاتح إلى الداكن:',
    map_none: 'أقل من {n} أو غير منشور',
    map_shade: 'الدرجة {k} من {n}',
    v_offence: 'أنواع الجرائم عبر الزمن',
    v_offence_d: 'الحالات التي تشمل كل جريمة (قد تشمل الحالة أكثر من جريمة).',
    v_detection: 'كيف تُكتشف الحالات',
    v_detection_d: 'الحالات حسب قناة الكشف: الكشف الاستباقي (مطابقة البصمات، المصنفات، التحقيقات) مقابل البلاغات.',
    v_pathway_adult: 'مسار العدالة: حالات الجناة البالغين أو غير المحددين',
    v_pathway_child: 'مسار العدالة: حالات الأطفال الذين ألحقوا الأذى',
    v_pathway_d: 'نسبة الحالات المُبلَّغ عنها التي بلغت كل مرحلة خلال الفترة، مع فترة 95%؛ والأعداد في التلميح وجدول البيانات.',
    v_risk: 'من الأكثر عرضة للخطر',
    v_risk_d: 'نسب معدلات الضحايا المحددين حديثاً (نموذج بواسون)، مقارنة بالفتيان وبعمر 10-12 سنة؛ القيمة 1 تعني لا فرق.',
    v_interventions: 'تكرار الإيذاء مع الدعم وبدونه',
    v_interventions_d: 'نسبة الضحايا الذين تكرر إيذاؤهم خلال 12 شهراً، حسب الدعم الذي تلقوه، في آخر سنة اكتملت متابعتها.',
    chart_alt: '{title}. {n} قيم؛ يسردها جدول البيانات أدناه، وتتنقل بينها هنا مفاتيح الأسهم.',
    headline: 'في لمحة',
    h_level: 'في عام \u2068{year}\u2069، وعلى المستوى الوطني، أُبلغ عن \u2068{rate}\u2069 طفلاً ضحيةً من كل 100,000 طفل (فترة 95%: من \u2068{lower}\u2069 إلى \u2068{upper}\u2069).',
    h_rise: 'منذ عام \u2068{first}\u2069، ارتفع المعدل بنسبة \u2068{apc}%\u2069 سنوياً (فترة 95%: من \u2068{l}\u2069 إلى \u2068{u}\u2069).',
    h_fall: 'منذ عام \u2068{first}\u2069، انخفض المعدل بنسبة \u2068{apc}%\u2069 سنوياً (فترة 95%: من \u2068{l}\u2069 إلى \u2068{u}\u2069).',
    h_flat: 'منذ عام \u2068{first}\u2069، لم يتغير المعدل تغيراً واضحاً (التغير السنوي \u2068{apc}%\u2069، فترة 95%: من \u2068{l}\u2069 إلى \u2068{u}\u2069).',
    h_means: 'ما يعنيه هذا وما لا يعنيه: هؤلاء أطفال أُبلغت جهة ما بالإساءة إليهم، لا كل طفل تعرّض للأذى. قد يعني ارتفاع المعدل مزيداً من الإساءة أو مزيداً من الإبلاغ أو كشفاً أفضل، ولا تميّز الأرقام بين ذلك، ولا تُظهر المقارنة بين الفئات سبب الفرق.',
    h_none: 'الاتجاه الوطني غير متاح.',
  },
};

// The API's texts that are English in every language (its method lines), in Arabic.
const apiArabic = new Map([
  ['noisy counts (discrete Laplace); exact Poisson interval (Garwood, 95%) widened by the noise (docs/methods.md)',
    'أعداد مشوَّشة (توزيع لابلاس المتقطع)؛ فترة بواسون الدقيقة (غاروود، 95%) موسَّعة بمقدار الضجيج (docs/methods.md)'],
  ['noisy counts (discrete Laplace); exact Poisson intervals widened by the noise; APC by Poisson regression (docs/methods.md)',
    'أعداد مشوَّشة (توزيع لابلاس المتقطع)؛ فترات بواسون الدقيقة موسَّعة بمقدار الضجيج؛ التغير السنوي بانحدار بواسون (docs/methods.md)'],
  ['noisy counts (discrete Laplace); Wilson score interval (95%) widened by the noise (docs/methods.md)',
    'أعداد مشوَّشة (توزيع لابلاس المتقطع)؛ فترة ويلسون (95%) موسَّعة بمقدار الضجيج (docs/methods.md)'],
  ['directly age-standardised rates (Fay-Feuer interval, 95%) over the noisy counts of the age bands (docs/methods.md)',
    'معدلات معيارية مباشرة حسب العمر (فترة فاي-فوير، 95%) على الأعداد المشوَّشة للفئات العمرية (docs/methods.md)'],
  ['noisy case counts by status (discrete Laplace), summed per stage; Wilson intervals (95%) widened by the noise of the summed cells (docs/methods.md)',
    'أعداد الحالات المشوَّشة حسب الوضع (توزيع لابلاس المتقطع)، مجموعة لكل مرحلة؛ فترات ويلسون (95%) موسَّعة بضجيج الخلايا المجموعة (docs/methods.md)'],
  ["a GLM on the published (noisy) cells: IRLS as R's glm, Wald intervals (95%); quasi-likelihood standard errors above the dispersion threshold (docs/methods.md)",
    'نموذج خطي معمَّم على الخلايا المنشورة (المشوَّشة): المربعات الصغرى الموزونة المتكررة كما في glm في R، وفترات والد (95%)؛ وأخطاء معيارية بشبه الإمكان فوق عتبة التشتت (docs/methods.md)'],
  ['noisy counts (discrete Laplace); proportions with Wilson intervals widened by the noise; RD Newcombe (method 10), RR Katz, NNT Altman 1998, on the published counts (docs/methods.md)',
    'أعداد مشوَّشة (توزيع لابلاس المتقطع)؛ نسب بفترات ويلسون موسَّعة بمقدار الضجيج؛ فرق المخاطر بطريقة نيوكومب (الطريقة 10)، ونسبة المخاطر بطريقة كاتز، والعدد اللازم للعلاج بطريقة ألتمان 1998، على الأعداد المنشورة (docs/methods.md)'],
  ['Poisson regression of the counts on year, log population offset', 'انحدار بواسون للأعداد على السنة، مع إزاحة لوغاريتم السكان'],
  ['Poisson regression of the counts on year', 'انحدار بواسون للأعداد على السنة'],
  ['quasi-Poisson, log population offset', 'شبه بواسون، مع إزاحة لوغاريتم السكان'],
  ['Poisson, log population offset', 'بواسون، مع إزاحة لوغاريتم السكان'],
  ['quasi-binomial (logit)', 'شبه ثنائي الحدين (لوجِت)'],
  ['logistic', 'لوجستي'],
  ['incidence rate ratio', 'نسبة معدلات الحدوث'],
  ['odds ratio', 'نسبة الأرجحية'],
]);

const arabicDigits = (s) =>
  s
    .replace(/(\d)[,](?=\d{3})/g, '$1\u066C')
    .replace(/(\d)[.](?=\d)/g, '$1\u066B')
    .replace(/\d/g, (d) => String.fromCharCode(0x0660 + Number(d)))
    .replace(/%/g, '\u066A');

// A text of the page or the API in the reader's language and digits: in Arabic, the API's
// English method lines translated, and every Western digit, separator and percent sign in
// the Arabic-Indic forms when those are the reader's digits (a path like docs/methods.md
// stays as it is written).
export function local(s) {
  if (s === null || s === undefined || lang !== 'ar') return s;
  let out = apiArabic.get(s) ?? String(s);
  if (digits === 'arab') out = out.split(/(\S+\.md\b)/).map((part, i) => (i % 2 ? part : arabicDigits(part))).join('');
  return out;
}

let lang = 'en';
let digits = 'latn';

export function setLanguage(l, d) {
  lang = l === 'ar' ? 'ar' : 'en';
  digits = d === 'arab' ? 'arab' : 'latn';
}
export const language = () => lang;
export const rtl = () => lang === 'ar';
// The locale of numbers: the language with the chosen numbering system (Unicode
// extension "nu"), which Intl and Chart.js both take.
export const locale = () => `${lang}-u-nu-${digits}`;

// Whether the reader's language has its own words for KEY.
export const has = (key) => key in words[lang];

export function t(key, vars = {}) {
  const s = local(words[lang][key] ?? words.en[key] ?? key);
  return s.replace(/\{(\w+)\}/g, (_, k) => (k in vars ? fmtVar(vars[k]) : `{${k}}`));
}
// A counted phrase: KEY's form for n's plural category in the language (English: one,
// other; Arabic: zero, one, two, few, many, other), with n as {n}.
export function tn(key, n, vars = {}) {
  const form = `${key}_${new Intl.PluralRules(lang).select(n)}`;
  return t(words[lang][form] ? form : `${key}_other`, { ...vars, n });
}
const fmtVar = (v) => (typeof v === 'number' ? num(v) : String(v));

// A number as a reader reads it: integers whole, rates and ratios to a sensible precision.
export function num(v, digitsAfter) {
  if (v === null || v === undefined || Number.isNaN(v)) return '';
  const d = digitsAfter ?? (Number.isInteger(v) ? 0 : Math.abs(v) >= 100 ? 1 : Math.abs(v) >= 1 ? 2 : 3);
  return new Intl.NumberFormat(locale(), { maximumFractionDigits: d, minimumFractionDigits: d }).format(v);
}
export const pct = (v) =>
  v === null || v === undefined ? '' : new Intl.NumberFormat(locale(), { style: 'percent', maximumFractionDigits: 1, minimumFractionDigits: 1 }).format(v);

// The year as a label: in the reader's digits, without a thousands separator.
export const year = (y) => new Intl.NumberFormat(locale(), { useGrouping: false }).format(y);

// The page's fixed words (elements with data-t).
export function translatePage(root = document) {
  document.documentElement.lang = lang;
  document.documentElement.dir = rtl() ? 'rtl' : 'ltr';
  document.title = t('title');
  for (const el of root.querySelectorAll('[data-t]')) el.textContent = t(el.dataset.t);
}
