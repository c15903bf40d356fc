"""Every label of the dashboard in English (``en``) and Chinese (``zh``).

Chinese labels use the study's own terms: 政府购买公共服务 (government purchase of public
services), 社会组织 (social organizations), 购买主体 / 承接主体 (buyer / provider), and the
regimes' names, which come from each regime's own ``label`` (``"Contracting out (合同外包)"``)
so that a regime is named in one place only.

Parameter and outcome labels are keyed by their names in ``sim.params`` and ``sim.metrics``;
a name without a Chinese label here falls back to its English description, so a new parameter
shows up at once (a test lists the ones the default view needs).
"""

from __future__ import annotations

import re

LANGS = ("en", "zh")
LANG_NAMES = {"en": "English", "zh": "中文"}

TEXT: dict[str, tuple[str, str]] = {
    # page
    "title": ("gpps: government purchase of public services", "政府购买公共服务（gpps）仿真工作坊"),
    "subtitle": (
        "How governments buy public services from social organizations: an agent-based simulation",
        "政府向社会组织购买公共服务的主体建模仿真",
    ),
    "language": ("Language", "语言"),
    # run controls
    "scenario": ("Scenario", "情景"),
    "regime": ("Purchase regime", "购买模式"),
    "as_written": ("As written in the scenario", "按情景文件设定"),
    "seed": ("Seed", "随机种子"),
    "reset": ("Reset", "重置"),
    "step": ("Step", "单步"),
    "play": ("Play", "运行"),
    "pause": ("Pause", "暂停"),
    "speed": ("Months per tick", "每次推进月数"),
    "running": (
        "Running: {scenario}, {regime}, seed {seed}",
        "当前运行：{scenario}，{regime}，随机种子 {seed}",
    ),
    "month": ("Month {n} of {total}", "第 {n} 月（共 {total} 月）"),
    "finished": (
        "The run is finished: Reset to start again.",
        "本次运行已结束：点击“重置”重新开始。",
    ),
    "changed": (
        "Settings changed: press Reset to apply them (the current run is kept until then).",
        "设置已更改：点击“重置”后生效（在此之前保留当前运行）。",
    ),
    "fix_inputs": (
        "Fix the inputs marked in red; the running model is kept.",
        "请修正标红的输入；当前模型保持不变。",
    ),
    "error": (
        "Something went wrong: {msg}. The running model was kept.",
        "出错：{msg}。当前模型已保留。",
    ),
    "key_params": ("Key parameters", "主要参数"),
    "all_params": ("All parameters", "全部参数"),
    "restore": ("Restore the scenario's values", "恢复情景默认值"),
    "range": ("allowed: {allowed}", "允许范围：{allowed}"),
    # parameter sections (see controls.SECTIONS)
    "section_scale": ("Scale and time", "规模与时间"),
    "section_lines": ("Service lines", "服务项目"),
    "section_production": ("Production and cost", "生产与成本"),
    "section_organizations": ("Social organizations", "社会组织"),
    "section_residents": ("Residents", "居民"),
    "section_buyers": ("Buyers (government departments)", "购买主体（政府部门）"),
    "scope_model": ("whole run", "全局"),
    "scope_buyer": ("every buyer", "所有购买主体"),
    "scope_organization": ("every organization", "所有社会组织"),
    "scope_line": ("every service line", "所有服务项目"),
    # input messages
    "msg_number": ("expected a number {allowed}", "应为 {allowed} 范围内的数字"),
    "msg_integer": ("expected an integer {allowed}", "应为 {allowed} 范围内的整数"),
    "msg_range": ("expected a value {allowed}", "应在 {allowed} 范围内"),
    "msg_seed": ("expected a whole number >= 0", "应为不小于 0 的整数"),
    "msg_not_offered": (
        "{what}: not one of the choices this page offered; nothing changed",
        "{what}：不是页面提供的选项，未作任何更改",
    ),
    "msg_replications": (
        "expected an integer in [{low}, {high}]",
        "应为 [{low}, {high}] 之间的整数",
    ),
    "msg_months": ("expected an integer in [1, {high}]", "应为 [1, {high}] 之间的整数"),
    "msg_empty": ("expected a value", "请输入数值"),
    # tabs
    "tab_run": ("Outcomes", "结果"),
    "tab_network": ("Network", "关系网络"),
    "tab_orgs": ("Organizations", "社会组织"),
    "tab_compare": ("Compare regimes", "模式比较"),
    "tab_play": ("Play the buyer", "扮演购买主体"),
    # outcome groups
    "group_efficiency": ("Efficiency", "效率"),
    "group_quality": ("Quality", "质量"),
    "group_independence": ("Independence", "独立性"),
    "group_market": ("Market", "市场结构"),
    "month_axis": ("month", "月"),
    "at_month": ("month {n}", "第 {n} 月"),
    "drawn": ("Figures show month", "图表显示月份："),
    "no_data": ("no data yet: press Step or Play", "暂无数据：请点击“单步”或“运行”"),
    "no_value": ("no value yet: nothing to measure so far", "尚无数值：目前还没有可计算的情况"),
    # downloads
    "download_csv": ("Results (CSV)", "结果（CSV）"),
    "download_orgs_csv": ("Organizations (CSV)", "社会组织（CSV）"),
    "download_png": ("Plots (PNG)", "图表（PNG）"),
    "download_network_png": ("Network (PNG)", "关系网络（PNG）"),
    "download_compare_csv": ("Comparison (CSV)", "比较结果（CSV）"),
    "download_compare_png": ("Comparison plot (PNG)", "比较图（PNG）"),
    "downloads": ("Download", "下载"),
    # network
    "network_title": ("Buyers, social organizations and their ties", "购买主体、社会组织及其关系"),
    "buyer": ("Government buyer", "政府购买主体"),
    "in_house": ("In-house unit", "政府自办单位"),
    "origin_founded": ("Founded by a buyer", "政府创办"),
    "origin_grassroots": ("Grassroots", "草根组织"),
    "origin_external": ("From outside the district", "外来组织"),
    "origin_in_house": ("In-house", "政府自办"),
    "tie_arrangement": ("Current purchase (width: value)", "现行购买关系（线宽：金额）"),
    "tie_affiliation": ("Affiliation or leadership tie", "隶属或人事关系"),
    "node_size": ("Node size: revenue over the last 12 months", "节点大小：近12个月收入"),
    "exited": ("exited", "已退出"),
    "satisfaction_title": ("Residents' satisfaction", "居民满意度"),
    "satisfaction_axis": ("satisfaction (0-1)", "满意度（0-1）"),
    "residents_axis": ("share of residents", "居民比例"),
    "locals": ("Locals (local hukou)", "本地户籍居民"),
    "migrants": ("Migrants", "流动人口"),
    "no_residents": ("no resident with need has been served yet", "尚无有需求的居民获得服务"),
    # organizations table
    "col_org": ("Organization", "社会组织"),
    "col_origin": ("Origin", "来源"),
    "col_status": ("Status", "状态"),
    "status_active": ("active", "运营中"),
    "status_serving": ("serving {n} lot(s)", "承接 {n} 个标段"),
    "status_idle": ("active, no purchase", "运营中，无购买合同"),
    "status_exited": ("exited", "已退出"),
    "col_from": ("From {buyer}", "来自{buyer}"),
    "col_private": ("Private donations", "社会捐赠"),
    "col_total": ("Revenue (12 months, yuan)", "收入（近12个月，元）"),
    "col_gov_share": ("Government share", "政府资金占比"),
    "col_reputation": ("Reputation", "声誉"),
    "col_staff": ("Staff (posts)", "员工（岗位）"),
    "col_cash": ("Cash (yuan)", "现金（元）"),
    "col_drift": ("Mission drift", "使命漂移"),
    "orgs_note": (
        "Revenue by source over the last 12 months (yuan).",
        "近12个月按来源划分的收入（元）。",
    ),
    "no_orgs": ("No social organization in this run.", "本次运行中没有社会组织。"),
    # compare
    "compare_intro": (
        "The same scenario and inputs under every purchase regime. Replication i "
        "uses the same seed under every regime (common random numbers); cells show "
        "the mean and its 95% interval over the replications.",
        "同一情景与参数在每种购买模式下运行。第 i 次重复在各模式下使用相同的随机种子"
        "（共同随机数）；表中为各次重复的均值及其95%置信区间。",
    ),
    "replications": ("Replications", "重复次数"),
    "months": ("Months", "月数"),
    "run_compare": ("Run comparison", "开始比较"),
    "compare_plan": (
        "{reps} replications × {arms} regimes of {months} months: {runs} runs",
        "{reps} 次重复 × {arms} 种模式，每次 {months} 个月：共 {runs} 次运行",
    ),
    "cancel": ("Cancel", "取消"),
    "compare_progress": ("Running {i} of {n} runs…", "正在运行第 {i} / {n} 次…"),
    "compare_done": (
        "{reps} replications of {months} months, master seed {seed}.",
        "{reps} 次重复，每次 {months} 个月，主随机种子 {seed}。",
    ),
    "compare_cancelled": ("Comparison cancelled.", "比较已取消。"),
    "col_regime": ("Regime", "购买模式"),
    # play the buyer
    "play_intro": (
        "You are a government buyer (购买主体). At each tender you see the bids and "
        "pick the winner, or provide the service in-house, or make no award. The model "
        "runs on from your choice; at the end your outcomes are shown next to the "
        "automatic scoring rule's under the same seed.",
        "你是一个政府购买主体。每次招标时，你会看到各社会组织的投标，并选择中标者，"
        "或由政府自行提供，或不授予。模型将按你的选择继续运行；结束时，你的结果将与"
        "相同随机种子下自动评分规则的结果并列显示。",
    ),
    "play_buyer": ("Your department", "你所在的部门"),
    "play_regime": ("How you buy", "购买方式"),
    "play_start": ("Start", "开始"),
    "play_restart": ("Start again", "重新开始"),
    "play_tender": (
        "Month {month} of {total}: {kind} for {line}, community {community}",
        "第 {month} 月（共 {total} 月）：{line}（第 {community} 社区）{kind}",
    ),
    "kind_tender": ("tender", "公开招标"),
    "kind_negotiation": ("negotiation", "协商委托"),
    "col_option": ("Bidder", "投标者"),
    "col_price": ("Price (yuan/hour)", "报价（元/小时）"),
    "col_quality": ("Promised quality", "承诺质量"),
    "col_ties": ("Ties to you", "与本部门关系"),
    "col_score": ("Rule's score", "规则评分"),
    "tie_yes": ("yes", "有"),
    "tie_no": ("no", "无"),
    "award": ("Award to {org}", "授予{org}"),
    "choose_in_house": ("Provide in-house", "政府自行提供"),
    "no_award": ("No award", "不授予"),
    "rule_pick": ("The scoring rule would pick: {org}", "自动评分规则会选择：{org}"),
    "no_bids": (
        "No bids: provide in-house or make no award.",
        "无人投标：请选择政府自行提供或不授予。",
    ),
    "finish_rule": ("Let the rule decide the rest", "其余由自动规则决定"),
    "decisions_made": ("Decisions so far: {n}", "已做决定：{n} 项"),
    "play_done": (
        "Done: {months} months, {n} decisions. Your outcomes next to the automatic "
        "rule's under the same seed:",
        "结束：共 {months} 个月，{n} 项决定。你的结果与相同随机种子下自动规则的结果对比：",
    ),
    "col_outcome": ("Outcome", "指标"),
    "col_you": ("You", "你的决定"),
    "col_rule": ("Automatic rule", "自动规则"),
    "col_diff": ("Difference", "差异"),
    "play_no_decision": (
        "This regime made no decision for you in these months: the buyer's lots "
        "were not purchased by tender or negotiation.",
        "在这些月份中该购买方式无需你做决定：本部门的标段未通过招标或协商购买。",
    ),
    "decision_log": ("Your decisions", "你的决定记录"),
    "col_month": ("Month", "月份"),
    "col_lot": ("Lot", "标段"),
    "col_choice": ("Your choice", "你的选择"),
    "col_rule_choice": ("Rule's choice", "规则的选择"),
    "choice_in_house": ("in-house", "政府自行提供"),
    "choice_none": ("no award", "不授予"),
    # what the outcomes mean
    "better_higher": ("higher is better", "越高越好"),
    "better_lower": ("lower is better", "越低越好"),
    "better_none": ("neither higher nor lower is better in itself", "高低本身无优劣"),
    "interval": ("95% interval", "95%置信区间"),
    "outcome_glossary": ("What the outcomes mean", "指标说明"),
    "col_unit": ("Unit", "单位"),
    "col_better": ("Better", "方向"),
    "col_meaning": ("Meaning", "含义"),
    "network_links": ("Lines:", "连线："),
    # tables
    "rows_per_page": ("Rows per page:", "每页行数："),
    "rows_all": ("All", "全部"),
    "rows_of": ("{0}-{1} of {2}", "第 {0}-{1} 行，共 {2} 行"),
    "no_rows": ("No rows", "无数据"),
    # play the buyer: the lot on the table
    "play_you_are": (
        "You buy for {buyer}. The other departments follow the automatic rule.",
        "你代表{buyer}购买服务；其他部门按自动规则决定。",
    ),
    "play_lot": (
        "This lot: {line} in community {community}, {hours} service hours a month "
        "(budget {budget} yuan a month), for {term} months.",
        "本标段：第 {community} 社区的{line}，每月 {hours} 服务小时（每月预算 {budget} 元），"
        "期限 {term} 个月。",
    ),
    "play_in_house_cost": (
        "In-house, your own unit would cost about {price} yuan an hour "
        "(promised quality {quality}).",
        "若由政府自行提供，本部门单位的成本约为每小时 {price} 元（预期质量 {quality}）。",
    ),
    "play_lot_unit": (
        "A tender offers each open lot (one service line in one community) separately: "
        "bids and awards are counted per lot, here and in the Market charts.",
        "一次招标中，每个标段（一个社区的一项服务）分别投标、分别授予：此处与“市场结构”图表均按标段计算投标数。",
    ),
    # the facilitator
    "your_name": ("Your name (for the facilitator)", "你的名字（供主持人查看）"),
    "room_title": ("gpps: the room", "gpps：工作坊全场"),
    "room_intro": (
        "{n} participant session(s); the outcomes are each run's so far. Looked at again every "
        "two seconds.",
        "共 {n} 个参与者会话；各项指标为各自运行至今的结果。每两秒刷新一次。",
    ),
    "room_refused": (
        "This page needs the facilitator's address, with its token.",
        "此页面需要主持人的地址（含令牌）。",
    ),
    "col_name": ("Participant", "参与者"),
    "col_tab": ("Page", "页面"),
    "tab_open": ("open", "打开"),
    "tab_gone": ("gone (kept a few minutes)", "已关闭（保留几分钟）"),
    "no_name": ("(no name)", "（未填名字）"),
    "col_group": ("Group", "分组"),
    "group_name": ("Group {group}", "{group} 组"),
    "no_group": ("no group", "未分组"),
    "col_seed": ("Seed", "随机种子"),
    # the room: what the facilitator sets, as a participant sees it
    "msg_locked": (
        "The facilitator has locked the settings for this round; nothing changed.",
        "主持人已锁定本轮设置；未作任何更改。",
    ),
    "locked_note": (
        "Settings locked by the facilitator for this round: you can still step, play and "
        "play the buyer.",
        "本轮设置已被主持人锁定：你仍可单步、运行和扮演购买主体。",
    ),
    "room_setup_all": (
        "Set by the facilitator for everyone: {scenario}, {regime}, seed {seed}.",
        "主持人为全体设定：{scenario}，{regime}，随机种子 {seed}。",
    ),
    "room_setup_group": (
        "Set by the facilitator for group {group}: {scenario}, {regime}, seed {seed}.",
        "主持人为 {group} 组设定：{scenario}，{regime}，随机种子 {seed}。",
    ),
    "room_edits": ("{n} parameter(s) changed", "{n} 个参数已调整"),
    # the facilitator's tabs
    "fac_tab_room": ("Room", "全场"),
    "fac_tab_setup": ("Setup and rounds", "设定与轮次"),
    "fac_tab_debrief": ("Debrief", "复盘"),
    "projector_link": ("Projector view (opens in a new tab)", "投影视图（在新标签页打开）"),
    # setup and rounds
    "setup_intro": (
        "Choose the scenario, purchase regime, parameters and seed below, then push them to "
        "everyone or to a group: their runs start again from month 0 with this setup, and a "
        "participant who joins later starts from it too. Lock the settings during a round so "
        "that nobody changes them; reset the runs to start a round again.",
        "在下方选择情景、购买模式、参数和随机种子，然后推送给全体或某一组："
        "他们的运行将按此设定从第 0 月重新开始，之后加入的参与者也从此设定开始。"
        "本轮进行中可锁定设置，防止参与者更改；"
        "重置运行即可重新开始一轮。",
    ),
    "setup_now": (
        "This setup: {scenario}, {regime}, seed {seed}",
        "当前设定：{scenario}，{regime}，随机种子 {seed}",
    ),
    "target": ("For", "对象"),
    "target_all": ("Everyone", "全体"),
    "push": ("Push this setup", "推送此设定"),
    "lock": ("Lock settings", "锁定设置"),
    "unlock": ("Unlock settings", "解除锁定"),
    "reset_all": ("Reset runs (and end games)", "重置运行（并结束游戏）"),
    "pushed_none": (
        "Nothing pushed yet: every participant starts from the server's scenario.",
        "尚未推送：每位参与者从服务器的默认情景开始。",
    ),
    "pushed_to": (
        "{target}: {scenario}, {regime}, seed {seed}",
        "{target}：{scenario}，{regime}，随机种子 {seed}",
    ),
    "locked_for": ("Locked: {targets}", "已锁定：{targets}"),
    "unlocked_all": ("Settings unlocked", "设置未锁定"),
    "groups_title": ("Groups", "分组"),
    "groups_intro": (
        "Put each seat in a group, or list the names of a group: a participant who types a "
        "listed name joins that group and gets its setup.",
        "为每个席位指定分组，或列出某组的名字：参与者填写列表中的名字后即加入该组并获得该组的设定。",
    ),
    "split": ("Split the room into A and B", "将全场分为 A、B 两组"),
    "names_of": (
        "Names in group {group}, separated by commas",
        "{group} 组名单（用逗号分隔）",
    ),
    "group_none": ("none", "无"),
    # debrief
    "debrief_intro": (
        "Each participant's game against the automatic rule under the same seed, and the "
        "regimes the room ran against their outcomes. Looked at again every two seconds.",
        "每位参与者在相同随机种子下与自动规则的对局结果，以及全场所用购买模式与其结果的对照。"
        "每两秒刷新一次。",
    ),
    "debrief_games": (
        "Play the buyer: your outcome / the automatic rule's",
        "扮演购买主体：你的结果 / 自动规则的结果",
    ),
    "debrief_regimes": (
        "Regimes and outcomes (each run at its own month: compare runs at the same month)",
        "购买模式与结果（各运行处于各自月份：请在相同月份比较）",
    ),
    "download_debrief_csv": ("Debrief (CSV)", "复盘数据（CSV）"),
    "col_game": ("Play the buyer", "扮演购买主体"),
    "game_none": ("not played", "未参与"),
    "game_playing": ("playing: month {n} of {total}", "进行中：第 {n} 月（共 {total} 月）"),
    "game_finished": (
        "finished: {n} decisions, {same} as the rule would",
        "已结束：{n} 项决定，其中 {same} 项与规则相同",
    ),
    "col_runs": ("Runs", "运行数"),
    "col_months": ("Months reached", "已运行月数"),
    "room_mean": ("mean", "均值"),
    "room_runs": ("one participant", "一位参与者"),
    "room_players": ("Participants", "参与者"),
    "debrief_against_rule": (
        "Finished games: the participants' outcomes and the automatic rule's (same seeds)",
        "已结束的游戏：参与者的结果与自动规则的结果（相同随机种子）",
    ),
    "debrief_by_regime": (
        "Runs by regime, each at its own month",
        "按购买模式划分的运行（各自所处月份）",
    ),
    "no_games": ("No game finished yet.", "尚无已结束的游戏。"),
    "no_runs": (
        "No run has a month yet: the charts fill as participants step.",
        "尚无已运行的月份：参与者推进后图表将显示。",
    ),
    # the projector
    "projector_title": ("The room", "工作坊全场"),
    "projector_refused": (
        "This page needs the projector's address, with its token.",
        "此页面需要投影视图的地址（含令牌）。",
    ),
    "projector_people": ("participants", "位参与者"),
    "projector_games": ("games finished", "局游戏已结束"),
    "projector_now": ("Now: {setups}", "当前：{setups}"),
    "projector_regimes": ("Regimes the room runs", "全场所用购买模式"),
    "projector_beat": (
        "{outcome}: {k} of {n} players did better than the rule",
        "{outcome}：{n} 位中有 {k} 位优于自动规则",
    ),
    "run_clock_hidden": (
        "This game has its own clock (below); Reset, Step and Play drive the Outcomes view.",
        "本游戏有自己的时钟（见下方）；“重置”“单步”“运行”用于“结果”页面。",
    ),
}

#: What a unit means, shown with every outcome measured in it (English, Chinese).
UNIT_NOTES: dict[str, tuple[str, str]] = {
    "quality-adjusted hours per 10,000 yuan": (
        "A quality-adjusted hour is one service hour times its quality (0-1): an hour at "
        "quality 0.5 counts as half an hour.",
        "质量调整小时＝服务小时×质量（0-1）：质量为0.5的一小时只算半小时。",
    ),
    "yuan per quality-adjusted hour": (
        "A quality-adjusted hour is one service hour times its quality (0-1): an hour at "
        "quality 0.5 counts as half an hour.",
        "质量调整小时＝服务小时×质量（0-1）：质量为0.5的一小时只算半小时。",
    ),
    "1 - HHI": (
        "1 − HHI: one minus the sum of the squared shares of revenue by source; 0 when one "
        "source pays everything, near 1 when many sources pay alike.",
        "1 − HHI：1减去各收入来源占比的平方和；只有一个来源时为0，来源越多越均衡越接近1。",
    ),
    "HHI": (
        "HHI (Herfindahl-Hirschman index): the sum of the squared shares of contract value "
        "by provider; 1 when one provider holds everything, 1/n when n providers hold equal "
        "shares.",
        "赫芬达尔指数（HHI）：各承接机构合同金额占比的平方和；一家独占时为1，n家平分时为1/n。",
    ),
    "share": ("A share from 0 to 1 (0.25 = 25%).", "0到1之间的比例（0.25即25%）。"),
    "share of outlay": (
        "A share of the money spent on the service, from 0 to 1.",
        "占服务支出的比例，0到1之间。",
    ),
    "share of contract value": (
        "A share of the value of the contracts awarded, from 0 to 1.",
        "占授予合同金额的比例，0到1之间。",
    ),
    "0-1": ("A score from 0 to 1.", "0到1之间的分值。"),
    "difference of 0-1 scores": (
        "The difference of two 0-1 scores: above 0, locals are more satisfied than migrants.",
        "两个0-1分值之差：大于0表示本地居民比流动人口更满意。",
    ),
    "bids": (
        "A tender offers several lots (a lot: one service line in one community); each lot "
        "gets its own bids and its own award. Counted per lot awarded, as in Play the buyer.",
        "一次招标包含多个标段（一个社区的一项服务为一个标段），每个标段分别投标、分别授予；"
        "按每个授予的标段计算，与“扮演购买主体”一致。",
    ),
}

#: Chinese descriptions of the outcomes the page shows (English: ``Outcome.description``).
OUTCOME_DESC_ZH: dict[str, str] = {
    "qa_hours_per_10k_yuan": (
        "每花费1万元（含政府支出、治理成本及承接机构获得的社会捐赠）所提供的服务小时×质量。"
    ),
    "cost_per_qa_hour": "每个质量调整服务小时花费的资金。",
    "need_met_share": "居民服务需求中得到满足的比例。",
    "governance_cost_share": (
        "购买主体的治理成本（招标、管理、评审、考核、评估、自办管理）占服务支出的比例。"
    ),
    "tendering_cost_share": "购买主体的事前招标成本占授予合同金额的比例。",
    "quality_mean": "按服务小时加权的服务质量（可测量与不可测量部分按可测量程度合成）。",
    "quality_nonmeasurable": "按服务小时加权的不可测量（合同无法约定）质量。",
    "satisfaction_mean": "有需求居民的平均满意度。",
    "satisfaction_local_migrant_gap": "本地居民平均满意度减去流动人口平均满意度。",
    "provider_gov_share_mean": (
        "承接机构近12个月收入中政府资金的平均占比。承接机构：这段时间内有购买主体收入的组织。"
    ),
    "provider_largest_buyer_share_mean": "承接机构收入中来自其最大购买主体的平均占比。",
    "provider_revenue_diversity_mean": (
        "承接机构收入来源（各购买主体、社会捐赠、外部资助）的平均多样性。"
    ),
    "provider_mission_drift_mean": "承接机构向资助方偏好偏离自身使命的平均程度。",
    "active_orgs": "正在运营的社会组织数。",
    "bids_per_award": "每个授予合同的标段收到的投标数。",
    "contract_value_hhi": "现行购买合同金额在各承接机构间的集中程度。",
    "incumbent_reaward_rate": "曾有承接机构的标段再次授予时，仍由原承接机构获得的比例。",
}

#: Chinese descriptions of the parameters shown by default (others get a generated line).
PARAM_DESC_ZH: dict[str, str] = {
    "monitoring_capacity": "购买主体每月检查一项购买合同的概率（取决于其监管人员）。",
    "measurability": "合同能够约定并核实的质量比例（可缔约质量）。",
    "evaluation": "评估机制：无评估、内部考核或第三方评估。",
    "n_independent_orgs": "开始时生成的独立社会组织（草根或外来组织）数量。",
    "contract_term_months": "合同或项目资助在重新招标或续约前的期限。",
    "weight_price": "评标中价格的权重。",
    "weight_quality": "评标中承诺质量（能力）的权重。",
    "weight_reputation": "评标中声誉的权重。",
    "weight_ties": "评标中与购买主体既有关系的权重（关系型招标）。",
    "max_lots_per_bidder": (
        "一次招标中单个组织最多可中标的标段数（0：不限）；达到上限后撤回其余投标。"
    ),
    "budget_general_per_capita": "购买主体用于其服务项目的一般公共预算（人均每年）。",
    "mission": "使命驱动：社会组织对所提供服务质量的重视程度。",
    "crowd_out": "政府资金覆盖其成本后，社会组织筹款努力下降的程度。",
    "entry_rate": "当独立组织可以参与且某次购买的投标少于两份时，每月有新独立组织进入的概率。",
}

#: The shipped scenarios in a line each (English, Chinese); a scenario file named at start
#: shows its own description.
SCENARIO_TEXT: dict[str, tuple[str, str, str]] = {
    "baseline": (
        "Baseline",
        "基准情景",
        "Two buyer departments, four communities, a thin local market; every value at its "
        "default.|两个购买部门、四个社区、本地社会组织较少；所有参数取默认值。",
    ),
    "jiangxi_2006": (
        "Jiangxi 2006",
        "江西 2006",
        "A provincial poverty office tenders village projects at a fixed 500,000 yuan in two "
        "rounds; NGOs compete on capacity; external evaluation.|省扶贫办以固定的50万元分两轮"
        "招标村级项目；社会组织凭能力竞争；外部评估。",
    ),
    "luocun_2008": (
        "Luocun 2008",
        "罗村 2008",
        "A street office entrusts one professional social-work organization with elder, youth "
        "and migrant services.|街道办事处委托一家专业社工机构提供养老、青少年和外来人口服务。",
    ),
    "reform_path": (
        "Reform path",
        "改革路径",
        "From administrative dependence to contracts with third-party evaluation, open entry "
        "and a legal purchase process at month 36.|第36个月起，由依赖关系非竞争性购买转为"
        "合同外包，引入第三方评估、开放准入和规范的购买程序。",
    ),
    "shanghai_2004": (
        "Shanghai 2004",
        "上海 2004",
        "Three buyer offices each fund the organization they founded (Ziqiang, Xinhang, "
        "Yangguang) per post, without competition.|三个购买部门分别按岗位资助各自创办的组织"
        "（自强、新航、阳光），没有竞争。",
    ),
    "shanghai_2009_tendering": (
        "Shanghai 2009 tendering",
        "上海 2009 招投标",
        "Lottery-fund tendering of 127 community projects; about 2.35 bids each; awards often "
        "follow existing relationships.|以彩票公益金招标127个社区项目；每个项目约2.35份投标；"
        "授予常常沿袭既有关系。",
    ),
    "thin_market": (
        "Thin market",
        "薄弱市场",
        "The baseline with one independent organization, working on both lines, and little "
        "entry.|基准情景，但只有一个独立组织（承接两项服务），新组织很少进入。",
    ),
    "weak_monitoring": (
        "Weak monitoring",
        "监管薄弱",
        "The baseline with a buyer that can hardly monitor, no evaluation, and hard-to-measure "
        "quality.|基准情景，但购买主体几乎无法监管、没有评估、质量难以测量。",
    ),
}

#: Names of buyers, service lines and organizations in the shipped scenarios (English, Chinese).
NAMES: dict[str, tuple[str, str]] = {
    "elder_care": ("elder care", "养老服务"),
    "youth_work": ("youth work", "青少年服务"),
    "migrant_services": ("migrant services", "外来人口服务"),
    "poverty_alleviation": ("poverty alleviation", "扶贫"),
    "drug_rehabilitation": ("drug rehabilitation", "禁毒戒毒"),
    "community_corrections": ("community corrections", "社区矫正"),
    "poverty_office_round_1": ("poverty office, round 1", "扶贫办（第一轮）"),
    "poverty_office_round_2": ("poverty office, round 2", "扶贫办（第二轮）"),
    "luocun_street_office": ("Luocun street office", "罗村街道办"),
    "narcotics_control_office": ("narcotics control office", "禁毒办"),
    "community_corrections_office": ("community corrections office", "社区矫正办"),
    "youth_affairs_office": ("youth affairs office", "青少年事务办"),
    "civil_affairs_lottery_fund": ("civil affairs lottery fund", "民政福利彩票公益金"),
    "professional_social_work_org": ("professional social-work organization", "专业社工机构"),
    "Ziqiang": ("Ziqiang", "自强"),
    "Xinhang": ("Xinhang", "新航"),
    "Yangguang": ("Yangguang", "阳光"),
}

REGIME_FALLBACK_ZH = {
    "contract": "合同外包",
    "grant": "项目资助",
    "negotiated": "非竞争性委托",
    "administrative_dependence": "依赖关系非竞争性购买",
    "in_house": "政府自行提供",
}

PARAM_ZH: dict[str, str] = {
    "steps": "运行月数",
    "population": "人口",
    "n_residents": "居民主体数",
    "n_communities": "社区数",
    "migrant_share": "流动人口比例",
    "network_degree": "人均社会关系数",
    "network_cross_share": "跨社区关系比例",
    "n_service_lines": "服务项目数",
    "need_prevalence": "有需求人口比例",
    "need_units_per_person": "人均需求（服务小时/月）",
    "measurability": "质量可测量程度",
    "migrants_eligible": "流动人口可享受服务",
    "staff_wage": "社会组织岗位月成本",
    "public_wage": "公共部门岗位月成本",
    "post_rate": "购买岗位单价",
    "units_per_post": "每岗位月服务小时",
    "overhead_rate": "运营管理费率",
    "quality_cost_share": "质量投入占成本比例",
    "learning_rate": "学习效应",
    "slack_growth": "成本松弛增长率",
    "slack_decay": "成本松弛下降率",
    "slack_max": "最大成本松弛",
    "reserve_cap_months": "储备金上限（月）",
    "max_staff_growth": "员工月最大增长率",
    "n_independent_orgs": "独立社会组织数",
    "line_coverage": "服务项目覆盖率",
    "community_coverage": "社区覆盖率",
    "tied_share": "有人事关联的组织比例",
    "external_share": "外来组织比例",
    "skill": "专业能力",
    "skill_sd": "专业能力差异",
    "mission": "使命驱动程度",
    "mission_sd": "使命驱动差异",
    "cost_sd": "成本差异",
    "initial_reserve_months": "初始储备金（月）",
    "capacity_share": "初始服务能力",
    "founded_per_buyer": "每个购买主体创办的组织数",
    "shading_aversion": "质量缩水厌恶程度",
    "mission_drift_rate": "使命漂移速度",
    "fundraising_effort": "筹款努力",
    "crowd_out": "政府资金对筹款的挤出",
    "donor_pool_per_capita": "人均社会捐赠",
    "fundraising_cost_ratio": "筹款成本率",
    "bid_staff_days": "每次投标人工（天）",
    "bid_capacity": "投标能力上限",
    "entry_rate": "新组织进入率",
    "exit_grace_months": "退出宽限期（月）",
    "perception_sd": "居民感知差异",
    "expectation_initial": "初始期望质量",
    "expectation_adapt": "期望调整速度",
    "satisfaction_slope": "满意度敏感度",
    "complaint_threshold": "投诉阈值",
    "complaint_propensity": "投诉倾向",
    "word_of_mouth": "口碑传播强度",
    "reputation_speed": "声誉更新速度",
    "donation_share_residents": "居民捐赠占比",
    "n_buyers": "购买主体数",
    "regime": "购买模式",
    "budget_general_per_capita": "人均一般公共预算",
    "budget_lottery_per_capita": "人均彩票公益金",
    "budget_earmarked_per_capita": "人均专项/捐助资金",
    "start_step": "开始购买月份",
    "monitoring_capacity": "监管能力",
    "evaluation": "评估机制",
    "contract_term_months": "合同期限（月）",
    "weight_price": "评标权重：价格",
    "weight_quality": "评标权重：质量",
    "weight_reputation": "评标权重：声誉",
    "weight_ties": "评标权重：关系",
    "fixed_price": "固定价格招标",
    "max_lots_per_bidder": "每个组织每次招标最多中标数",
    "ceiling_markup": "最高限价加成",
    "penalty_rate": "违约扣款比例",
    "strikes_to_terminate": "终止合同前的失误次数",
    "terminations_to_take_back": "收回自办前的终止次数",
    "tender_staff_days": "每次招标人工（天）",
    "lot_staff_days": "每个标段人工（天）",
    "bid_review_staff_days": "每份投标评审人工（天）",
    "management_staff_days": "合同管理人工（天/月）",
    "inspection_staff_days": "每次检查人工（天）",
    "appraisal_staff_days": "内部考核人工（天/岗位·年）",
    "third_party_cost_share": "第三方评估费率",
    "in_house_management_share": "自办管理费率",
    "internal_sensitivity": "内部考核灵敏度",
    "third_party_sensitivity": "第三方评估灵敏度",
    "complaint_tolerance": "投诉容忍度",
    "grant_review_noise": "项目评审误差",
    "negotiated_margin": "协商利润率",
    "negotiated_term_months": "委托期限（月）",
    "grant_award_share": "单个资助项目规模",
    "grant_funder_design_share": "资助方设定的项目内容比例",
    "voucher_markup": "服务券单价加成",
    "voucher_take_up": "服务券使用率",
    "voucher_accreditation_skill": "服务机构认定的能力门槛",
    "voucher_choice_sensitivity": "居民选择对评价的敏感度",
    "voucher_local_preference": "本社区机构偏好",
    "voucher_switch_months": "更换服务机构的间隔（月）",
    "voucher_switch_margin": "更换服务机构的门槛",
    "voucher_word_of_mouth": "邻里口碑的比重",
    "staff_turnover": "员工流动率",
    "novice_quality_gap": "新员工质量差距",
    "training_months": "新员工培训期（月）",
    "public_slack_growth": "自办单位成本松弛增长率",
    "public_slack_max": "自办单位最大成本松弛",
    "outside_core_cover": "外部收入覆盖核心团队成本比例",
    "retender_delay_months": "流标后重新购买的间隔（月）",
    "inspection_soft_share": "检查发现不可测量质量缩水的概率",
    "delivery_tolerance": "服务时数不足的容忍度",
}

CHOICE_ZH: dict[str, str] = {
    "none": "无评估",
    "internal": "内部考核",
    "third_party": "第三方评估",
    "founded": "政府创办",
    "grassroots": "草根组织",
    "external": "外来组织",
}

UNIT_ZH: dict[str, str] = {
    "months": "月",
    "month": "月",
    "persons": "人",
    "agents": "个",
    "communities": "个",
    "share": "比例",
    "ties per resident": "条/人",
    "lines": "项",
    "share of persons": "人口比例",
    "service hours per person-month": "服务小时/人·月",
    "yuan per post-month": "元/岗位·月",
    "service hours per post-month": "服务小时/岗位·月",
    "share of wage bill": "占工资比例",
    "share of unit cost": "占单位成本比例",
    "productivity gain per doubling": "每翻倍的生产率提升",
    "per month": "每月",
    "months of costs": "月成本",
    "share per month": "每月比例",
    "organizations": "个",
    "quality at full effort": "质量",
    "quality": "质量",
    "weight": "权重",
    "share of a line's need": "占需求比例",
    "yuan per person-month": "元/人·月",
    "yuan per yuan raised": "元/元",
    "staff days per bid": "人天/次投标",
    "buyers": "个",
    "yuan per person-year": "元/人·年",
    "chance per month": "每月概率",
    "satisfaction": "满意度",
    "per unit quality": "每单位质量",
    "failures": "次",
    "terminations": "次",
    "staff days per tender": "人天/次招标",
    "staff days per lot": "人天/标段",
    "staff days per arrangement-month": "人天/合同·月",
    "staff days per inspection": "人天/次检查",
    "staff days per post-year": "人天/岗位·年",
    "share of arrangement value": "占合同金额比例",
    "share of in-house wage bill": "占自办工资比例",
    "chance": "概率",
    "share of users": "用户比例",
    "score units": "分",
    "share of a lot": "占标段比例",
    "share of a month's payment": "占月付款比例",
    "times current staff": "倍现有员工",
    "0-1": "0-1",
    "chance per inspection": "每次检查的概率",
    "chance per post-month": "每岗位每月概率",
    "per unit of rating": "每单位评分",
    "rating units": "评分单位",
    "share of committed hours": "占承诺时数比例",
    "share of holders": "持券人比例",
    "share of quality": "质量比例",
    "share of the core team's cost": "占核心团队成本比例",
    "share of the work's content": "占工作内容比例",
    "difference of 0-1 scores": "0-1分值之差",
    "yuan per hour": "元/小时",
    "yuan per quality-adjusted hour": "元/质量调整小时",
    "share of outlay": "占支出比例",
    "share of contract value": "占合同金额比例",
    "share of organizations": "组织比例",
    "1 - HHI": "1 - HHI",
    "bids": "份",
    "HHI": "HHI",
    "arrangements": "项",
    "lots": "个",
    "lots per tender": "个标段/每次招标",
    "quality-adjusted hours per 10,000 yuan": "质量调整小时/万元",
}

OUTCOME_ZH: dict[str, str] = {
    "qa_hours_per_10k_yuan": "每万元质量调整服务小时",
    "cost_per_hour": "每服务小时成本",
    "cost_per_qa_hour": "每质量调整小时成本",
    "need_met_share": "需求满足率",
    "outlay_service": "人均服务支出",
    "outlay_government": "人均政府支出",
    "outlay_general": "人均一般预算支出",
    "outlay_lottery": "人均彩票公益金支出",
    "outlay_earmarked": "人均专项/捐助资金支出",
    "outlay_private_providers": "人均承接机构获得的社会捐赠",
    "governance_cost_share": "治理成本占比",
    "tendering_cost_share": "招标成本占合同金额比",
    "quality_measurable": "可测量质量",
    "quality_nonmeasurable": "不可测量质量",
    "quality_mean": "服务质量",
    "shading_undetected": "未被发现的质量缩水",
    "satisfaction_mean": "居民满意度",
    "satisfaction_local_migrant_gap": "本地居民与流动人口满意度差",
    "satisfaction_sd_communities": "社区间满意度差异",
    "provider_gov_share_mean": "承接机构政府资金占收入比",
    "provider_gov_share_weighted": "承接机构政府资金占收入比（按收入加权）",
    "provider_founder_share_mean": "政府创办机构来自创办部门的收入比",
    "idle_orgs": "无政府资金的社会组织数",
    "idle_reserve_months_median": "其储备金（可支付核心团队月数）",
    "idle_survival_months_median": "其储备金可维持月数",
    "provider_gov_share_over_90": "政府资金占比≥90%的组织比例",
    "provider_largest_buyer_share_mean": "对最大购买主体的依赖度",
    "provider_revenue_diversity_mean": "收入来源多样性",
    "tied_org_share": "与购买主体有人事关联的组织比例",
    "provider_survival_months_median": "无政府资金时可维持月数",
    "provider_mission_drift_mean": "使命漂移",
    "active_orgs": "在营社会组织数",
    "eligible_per_lot": "每个标段的合格组织数",
    "bids_per_tender": "每次招标的投标数",
    "bids_per_award": "每项合同的投标数",
    "single_bid_share": "单一投标合同比例",
    "contract_value_hhi": "合同金额集中度（HHI）",
    "incumbent_reaward_rate": "原承接主体续约率",
    "take_up_share": "服务券使用率",
    "switch_rate": "每月更换服务机构的居民比例",
    "entries": "新进入组织数",
    "exits": "退出组织数",
    "terminations": "终止的购买关系数",
    "services_taken_back": "收回政府自办的标段数",
}


def tr(key: str, lang: str, **fmt) -> str:
    """The label ``key`` in ``lang`` (``en`` or ``zh``), formatted with ``fmt``."""
    en, zh = TEXT[key]
    text = zh if lang == "zh" else en
    return text.format(**fmt) if fmt else text


def _split_label(label: str) -> tuple[str, str]:
    """``"Contracting out (合同外包)"`` → (``"Contracting out"``, ``"合同外包"``)."""
    m = re.fullmatch(r"\s*(.*?)\s*[(（]([^()（）]*)[)）]\s*", label or "")
    if m:
        return m.group(1), m.group(2)
    return label, ""


def regime_label(name: str | None, lang: str) -> str:
    """A regime's name from its own ``label``; ``None`` is the scenario as written."""
    if name is None:
        return tr("as_written", lang)
    from sim.regimes import REGIMES

    cls = REGIMES.get(name)
    label = getattr(cls, "label", "") if cls else ""
    en, zh = _split_label(label)
    if lang == "zh":
        return zh or REGIME_FALLBACK_ZH.get(name) or en or name
    return label or name


def param_label(name: str, lang: str) -> str:
    """A parameter's short label: Chinese from ``PARAM_ZH``, English from its name."""
    if lang == "zh" and name in PARAM_ZH:
        return PARAM_ZH[name]
    return name.replace("_", " ").capitalize()


def unit_label(unit: str, lang: str) -> str:
    if lang == "zh":
        return UNIT_ZH.get(unit, unit)
    return unit


def choice_label(value: str, lang: str) -> str:
    """A value of a ``choice`` parameter (other than a regime) or an origin."""
    if lang == "zh" and value in CHOICE_ZH:
        return CHOICE_ZH[value]
    return value.replace("_", " ")


def outcome_label(name: str, lang: str) -> str:
    """An outcome's short label: English from ``sim.metrics`` (``Outcome.label``), Chinese from
    ``OUTCOME_ZH``; falls back to its name."""
    if lang == "zh" and name in OUTCOME_ZH:
        return OUTCOME_ZH[name]
    from sim.metrics import BY_NAME

    o = BY_NAME.get(name)
    return o.label if o is not None else name.replace("_", " ").capitalize()


def message(msg, lang: str) -> str:
    """Render a message: a plain string (shown as is), ``(key, fmt)`` from ``TEXT``, or a
    function of the language."""
    if msg is None:
        return ""
    if isinstance(msg, str):
        return msg
    if callable(msg):
        return msg(lang)
    key, fmt = msg
    return tr(key, lang, **fmt)


def allowed(param, lang: str) -> str:
    """A parameter's allowed range, e.g. ``in [0, 1]`` / ``[0, 1]``."""
    text = param.allowed()
    if lang != "zh":
        return text
    if param.kind == "bool":
        return "是或否"
    if param.kind == "choice":
        return "、".join(choice_label(o, lang) for o in param.options)
    return text.removeprefix("in ")


def name_label(name: str, lang: str) -> str:
    """A buyer's, service line's or organization's name as people read it: the shipped
    scenarios' names in both languages, generated names (``buyer_2``, ``buyer_1_affiliate_1``,
    ``org_3``) spelled out; other names (from a scenario file) as written."""
    if name in NAMES:
        return NAMES[name][1 if lang == "zh" else 0]
    m = re.fullmatch(r"(.+)_affiliate_(\d+)", name)
    if m:
        owner = name_label(m.group(1), lang)
        return f"{owner}下属组织{m.group(2)}" if lang == "zh" else f"{owner} affiliate {m.group(2)}"
    m = re.fullmatch(r"(buyer|org)_(\d+)", name)
    if m:
        word = {"buyer": ("Buyer", "购买主体"), "org": ("Org", "组织")}[m.group(1)]
        return f"{word[1]}{m.group(2)}" if lang == "zh" else f"{word[0]} {m.group(2)}"
    return name


def origin_label(origin: str, lang: str) -> str:
    """An organization's origin (founded by a buyer, grassroots, external, in-house)."""
    key = f"origin_{origin}"
    return tr(key, lang) if key in TEXT else choice_label(origin, lang)


def scenario_label(ref: str, lang: str) -> str:
    """A scenario as the selector shows it: shipped ones by name, a file as given."""
    if ref in SCENARIO_TEXT:
        return SCENARIO_TEXT[ref][1 if lang == "zh" else 0]
    return ref


def scenario_text(ref: str, lang: str, description: str = "") -> str:
    """A scenario's one-line description (a file's own first line if it is not shipped)."""
    if ref in SCENARIO_TEXT:
        return SCENARIO_TEXT[ref][2].split("|")[1 if lang == "zh" else 0]
    return description.splitlines()[0] if description else ""


def param_description(name: str, lang: str) -> str:
    """A parameter's tooltip: its description (Chinese: ``PARAM_DESC_ZH``, else its label,
    unit and range)."""
    from sim.params import PARAMS

    p = PARAMS[name]
    if lang != "zh":
        return p.description
    if name in PARAM_DESC_ZH:
        return PARAM_DESC_ZH[name]
    unit = unit_label(p.unit, lang)
    text = param_label(name, lang) + (f"（{unit}）" if unit else "")
    return f"{text}，允许范围：{allowed(p, lang)}"


def outcome_description(name: str, lang: str) -> str:
    """What an outcome measures (``Outcome.description``; Chinese: ``OUTCOME_DESC_ZH``), and
    what its unit means (``UNIT_NOTES``)."""
    from sim.metrics import BY_NAME

    o = BY_NAME.get(name)
    if o is None:
        return ""
    zh = lang == "zh"
    text = OUTCOME_DESC_ZH.get(name, o.description) if zh else o.description
    note = UNIT_NOTES.get(o.unit)
    if note is None:
        return text
    return text + (note[1] if zh else " " + note[0])


def outcome_unit(name: str, lang: str) -> str:
    from sim.metrics import BY_NAME

    o = BY_NAME.get(name)
    return unit_label(o.unit, lang) if o is not None else ""
