"""Word patterns that map a free-text cluster description to profile values.

Each table maps a value to regular expressions (case-insensitive, matched on word boundaries by
the caller's compiled form). Values use the vocabulary of
``assistant.knowledge.catalog``. Patterns are
written from the documents' own categories (UNIDO trust and institutions, Meyer-Stamer's
cooperation obstacles, the Whitebook life cycle and specific circumstances, OECD guidelines),
not from particular scenarios. A problem's patterns are phrases that state the problem ("lack of
qualified workers", "power cuts"); the mere mention of a topic ("skills", "quality", "women", "a
vocational school", "tanneries") is no problem, and what a clause says about it is read by
meaning (``meaning.ConditionMatcher``).
"""

from __future__ import annotations

# Development levels stated in words; countries and world regions come from the gazetteer
# (assistant.knowledge.places). Hints are used only when nothing more specific is found.
DEVELOPMENT_HINTS: dict[str, list[str]] = {
    "developing": [
        r"smallholders?",
        r"subsistence",
        r"informal (sector|firms|enterprises|economy)",
        r"donor(s|-funded| project| programme)",
    ],
}

DEVELOPMENT: dict[str, list[str]] = {
    "developing": [
        r"developing (country|countries|economy|economies|world)",
        r"low[- ]income",
        r"lower[- ]middle[- ]income",
        r"least[- ]developed",
        r"poor (country|region|district)",
    ],
    "emerging": [
        r"emerging (economy|economies|market|country)",
        r"upper[- ]middle[- ]income",
        r"middle[- ]income",
        r"transition (economy|economies|country|countries)",
        r"post[- ]socialist",
    ],
    "industrialised": [
        r"industriali[sz]ed (country|countries|economy|economies|region|nation)",
        r"(developed|advanced|high[- ]income|oecd) (country|countries|economy|economies)",
        r"(wealthy|rich|affluent|prosperous) (country|countries|economy|region|nation|"
        r"(eu )?member state)",
    ],
}

STAGE: dict[str, list[str]] = {
    "declining": [
        r"declin\w*",
        r"(closed|closure|shut down|went bankrupt)",
        r"(collapsed|collapse)",
        r"lost (its|their|our) (main|largest|biggest)? ?(customer|buyer|market|export market)",
        r"(exports?|sales|employment|jobs|orders) (have |has )?(fallen|fell|dropped|shrunk)",
        r"(fallen|falling|shrinking|shrunk) (for|over)",
        r"sunset",
        r"(lost|losing) their jobs",
        r"laid off|layoffs|redundan\w+",
        r"(became|become|are|is) uncompetitive|priced (them|us|it|out)",
        r"(sales|exports?|orders|markets?|demand) (vanished|disappeared|dried up)",
        r"crisis",
    ],
    "mature": [
        r"\bmature\b",
        r"(for|over) (decades|generations|a century)",
        r"(built|developed) over generations",
        r"long[- ]established",
        r"traditional (district|industry|cluster|sector)",
        r"(old|historic) (district|cluster|industry)",
        r"ageing|aging",
        r"stagnat\w+",
        r"(visitor numbers|sales|demand|turnover|growth) (are|is|have been|has been) flat",
    ],
    "growing": [
        r"(is|are) (growing|expanding|booming)",
        r"rapid(ly)? grow\w*",
        r"(quality|sales|exports) (is|are) (improving|growing|rising)",
        r"is starting|are starting|has started|have started",
    ],
    "emerging": [
        r"(emerging|nascent|embryonic|young|new) (cluster|industry|sector)",
        r"(start[- ]?ups?|new firms) (are|have been) (appearing|emerging)",
        r"(handful|few) (of )?(pioneer|pioneering) firms",
    ],
    "latent": [
        r"latent",
        r"never (done|did|worked|cooperated) (anything )?(jointly|together)",
        r"sell individually",
    ],
}

TRUST_EXPLICIT: dict[str, list[str]] = {
    "low": [
        r"(trust|confidence) (between|among) [\w\s]{0,30}(is|are) (low|weak|poor|absent)",
        r"(trust|confidence) is (very )?(low|weak|lacking|absent|poor)",
        r"low[- ](level of )?trust",
        r"(little|no|lack of) (mutual )?trust",
        r"(distrust|mistrust) (each other|one another|among|between)",
    ],
    "moderate": [
        r"trust is (only )?(moderate|medium|mixed|limited)",
        r"moderate (level of )?trust",
        r"(some|partial) trust",
        r"trust between [\w\s]{0,30}is (only )?moderate",
    ],
    "high": [
        r"trust is (very )?(high|strong|good)",
        r"high (level of )?trust",
        r"(strong|deep) (mutual )?trust",
        r"trust built over",
        r"everyone knows everyone|relations (are|between [\w\s]{0,20}are) (good|excellent|close)",
        r"(worked|cooperated|collaborated) (closely )?together for (generations|decades|years)",
    ],
}
TRUST_SIGNALS: dict[str, list[str]] = {
    "low": [
        r"share nothing|(nobody|no one|none of them) shares? (anything|information)",
        r"imitation|imitate each other|steal (each other's )?(designs|workers|customers)",
        r"copying (is|are) (common|widespread|rampant)",
        r"cop(y|ies) (each other|designs)",
        r"(distrust|mistrust|suspicio\w+)",
        r"(fierce|cut-throat|intense) (rivalry|competition)",
        r"do not (cooperate|trust)|don't (cooperate|trust)",
    ],
    "moderate": [
        r"(cooperate|collaborate) (a bit|a little|somewhat|occasionally)",
        r"know each other but",
        r"(on )?(reasonable|decent|fair|mixed) terms",
        r"get along",
    ],
    "high": [
        r"know each other (well|personally)",
        r"dense (networks?|ties)",
        r"cooperate (closely|intensively|a lot)",
    ],
}

COOPERATION: dict[str, list[str]] = {
    "none": [
        r"never (done|did|worked|cooperated|collaborated) (anything )?(jointly|together)",
        r"never (cooperated|collaborated|worked together)",
        r"sell (individually|one by one|on their own|separately|alone)",
        r"share nothing",
        r"(no|little|hardly any) (cooperation|collaboration|joint action)",
        r"work (alone|individually|in isolation)",
        r"do not cooperate|don't cooperate",
    ],
    "some": [
        r"(cooperate|collaborate) (a bit|a little|somewhat|occasionally)",
        r"already (buy|sell|market|share|do|purchase) \w+",
        r"some (cooperation|joint \w+)",
    ],
    "strong": [
        r"dense (networks?|ties)",
        r"(worked|cooperated|collaborated) (closely )?together for (generations|decades|years)",
        r"cooperate (closely|intensively)",
        r"strong (cooperation|networks?)",
    ],
}

FIRMS: dict[str, list[str]] = {
    "micro": [
        r"micro[- ]?(enterprises?|firms?|workshops?|businesses)",
        r"micro workshops",
        r"family (workshops?|farms?)",
        r"smallholders?",
        r"artisans?|craftsmen|craftspeople",
        r"home[- ]based|household (enterprises|producers)",
        r"small (growers?|farmers?|producers?)",
    ],
    "sme": [
        r"\bsmes?\b",
        r"small and medium",
        r"small (firms?|businesses?|companies|enterprises?|wineries)",
        r"medium[- ]sized",
        r"family (smes|firms?|businesses|companies|wineries)",
    ],
    "lead_firms": [
        r"(large|big|major|leading) ([\w-]+ )?(firms?|companies|wineries|exporters?|buyers?|"
        r"processors?|"
        r"manufacturers?|enterprises?|plants?)",
        r"multinationals?|\bmnes?\b|\bmncs?\b",
        r"lead (firm|company|buyer)s?",
        r"global (corporation|company|companies|firm|player|group)s?",
        r"anchor (firm|company|tenant)s?",
        r"foreign[- ]owned",
        r"(assembly|car|auto) plants?|carmakers?|(car|vehicle|aircraft) manufacturers?",
        r"foreign (?:[\w-]+ ){0,2}(manufacturers?|compan(y|ies)|investors?|plants?)",
    ],
}

INSTITUTIONS: dict[str, list[str]] = {
    "association": [
        r"associations?",
        r"cooperatives?",
        r"federations?",
        r"growers'? (group|organi[sz]ation)",
        r"producer organi[sz]ations?",
    ],
    "chamber": [r"chambers? of (commerce|industry)", r"\bchambers?\b"],
    "university": [
        r"universit(y|ies)",
        r"engineering (faculty|school)",
        r"faculty of",
        r"polytechnic",
        r"university hospital",
    ],
    "training_institute": [
        r"vocational (school|college|institute|centre|center|training)",
        r"technical (school|college|institute)",
        r"training (centre|center|institute)",
        r"(maritime|design|business|agricultural) (college|school|academy)",
        r"(design|technical|fashion|trade) academy|polytechnic school",
        r"oenology course",
        r"\w+ (degree|diploma|course|courses)",
    ],
    "research_institute": [
        r"research (institute|centre|center|organi[sz]ation|laborator\w+)",
        r"r&d (centre|center|lab)",
        r"technology (institute|centre|center)",
        r"technical institute",
    ],
    "local_government": [
        r"municipalit(y|ies)",
        r"\bmayor\b",
        r"(town|city|regional|district|county|provincial) (council|government|authorit\w+)",
        r"local (government|authorit\w+|council)",
        r"(city|town) hall",
    ],
    "national_government": [
        r"ministr(y|ies)",
        r"national (government|agency|bank)",
        r"(sme|development|investment) agency",
        r"(?<!regional )(?<!local )(?<!city )(?<!municipal )(?<!provincial )government",
    ],
    "donor": [
        r"donors?",
        r"\bunido\b|world bank|\bidb\b|usaid|\bgiz\b|european commission",
        r"development (agency|cooperation|partner)",
    ],
    "bank": [r"\bbanks?\b", r"credit (association|union|cooperative)s?", r"lenders?"],
    "cluster_organisation": [
        r"cluster (organi[sz]ation|management|manager|secretariat|council|commission)",
        r"existing cluster initiative",
    ],
}

PROBLEMS: dict[str, list[str]] = {
    "no_cooperation": COOPERATION["none"] + [r"individualis\w+", r"isolated (firms|producers)"],
    "low_trust": TRUST_EXPLICIT["low"] + TRUST_SIGNALS["low"],
    "fragmented_support": [
        r"nobody coordinates|no one coordinates|not coordinated|uncoordinated",
        r"scattered (programmes?|programs?|projects|initiatives|support)",
        r"(without|no|lack of|little) coordination",
        r"each (run|runs|has|have) (its|their) own (projects?|programmes?|programs?)",
        r"(overlapping|duplicat\w+|fragmented) "
        r"(programmes?|programs?|support|agencies|institutions)",
        r"(agencies|institutions) (do not|don't) (talk|cooperate|coordinate)",
    ],
    "weak_institutions": [
        r"never run anything",
        r"(tiny|small|few|limited) staff|no (experience|expertise) (beyond|in|with)",
        r"(lacks?|lacking|without) (the )?(experience|expertise|skills) to (run|manage|lead)",
        r"(weak|small|understaffed|fragile|politici[sz]ed) (association|chamber|institutions?|"
        r"support institutions?|local government)",
        r"(little|limited|no|lack(s)?( of)?) (institutional )?capacity",
        r"(three|two|few|\d) staff",
        r"(institutions|associations?|chambers?|agencies|authorities|local government|"
        r"capacit(y|ies)) (is|are) (very )?(weak|limited|poor|lacking|politici[sz]ed)",
        r"feel (ignored|left out|excluded|neglected)",
        r"no (business |producers'? |industry )?(association|organi[sz]ation) (exists|represents)",
        r"dominated by",
    ],
    "no_strategy": [
        r"(no|lack of|without a?) (common |shared |joint )?(strategy|vision|plan)",
        r"start a cluster (initiative|programme|program)",
        r"what (should|would) the (cluster )?(programme|program|initiative|strategy) look like",
        r"where to start",
        r"(set up|launch|create|establish|start) (a|the) cluster (initiative|programme|program)",
        r"how should (we|the \w+) (set|start|organi[sz]e|design|structure)",
        r"who should (lead|run|coordinate)",
    ],
    "information_gap": [
        r"(lack|little|no|poor) (of )?(market )?(information|intelligence|data)",
        r"(don't|do not) know (the|their|which) (market|buyers|customers)",
    ],
    "market_access": [
        r"(sell|sold|selling) (individually|locally|mainly|mostly|only)",
        r"(low|poor|bad) prices?|for little money|little bargaining power",
        r"(sell|sold|selling) (one by one|on their own|separately)",
        r"(sold|sell|sales) (at home|domestically|on the domestic market)",
        r"(local|regional) traders|middlemen|intermediaries",
        r"(market|markets) (collapsed|lost|shrank|disappeared)",
        r"lost (access|their|its|our) [\w\s]{0,20}markets?",
        r"(sold|sell) domestically|domestic(ally)? (market|sales)",
        r"market access|access to markets",
        r"new markets|find (new )?(buyers|customers)",
    ],
    "export": [
        r"(want|wish|hope|plan|try|trying|aim|ambition|need|able)\w* to (start )?export\w*",
        r"export (markets?|ambitions?|potential|barriers?|growth|orders?|sales|promotion)",
        r"(start|begin|increase|boost|grow|expand)\w* (their |its )?export\w*",
        r"foreign markets|international markets|overseas|abroad|(sales|markets?) outside",
    ],
    "branding": [
        r"appellation|geographical indication|designation of origin|\blabel\b",
    ],
    "buyer_power": [
        r"play (the )?(firms|producers|suppliers|them) (off )?against",
        r"pay(s)?( \w+)?( (months|weeks|days))? late|late payments?|delayed payments?",
        r"(alter|change|modify)( \w+)? (specifications|requirements|standards|orders) "
        r"(at the last minute|without notice|unilaterally)",
        r"change (their )?(quality )?requirements",
        r"(dictate|impose) (prices|terms)|squeeze (prices|margins|them)",
        r"playing (the )?(firms|producers|suppliers|them) (off )?against",
        r"(retail chains|global buyers|large buyers|traders) (buy|set|dictate|control)",
        r"depend(s|ent)? on (one|a single|a few) (buyer|customer)s?",
        r"(local|regional) traders|middlemen",
    ],
    "supplier_linkages": [
        r"(local )?suppliers? (to|for) (the )?(multinational|mne|large|lead)",
        r"(supply|sell) (to|into) (the )?(multinational|assembly plant|large firms|global)",
        r"subcontract\w*",
        r"(linkages?|links) (with|to) (the )?(multinational|mne|large|foreign|lead)",
        r"source (locally|local)",
        r"marine suppliers|suppliers?,? mostly smes",
        r"become (its |their |local )?suppliers|supplier (audits?|base)|supply chains? of",
    ],
    "finance": [
        r"(working|investment) capital|access to capital",
        r"collateral|interest rates?|high interest",
        r"banks? (charge|demand|refuse|lend|only lend)",
        r"(cannot|can't|unable to) (invest|borrow)",
    ],
    "risk_capital": [
        r"(venture|seed|risk|growth|start-?up) (capital|funding|funds?|finance)",
        r"(business )?angels?|equity (finance|funding|investors?)",
        r"investors? (for|in) (start-?ups|new firms|young firms)",
    ],
    "skills": [
        r"(outdated|obsolete|irrelevant) (courses|curricul\w+|teaching)",
        r"(skills? )?mismatch|jobs that no longer exist",
        r"outdated (skills|training|curricul\w+)",
        r"(lack|shortage) of (qualified|skilled|trained) (workers|labour|labor|staff)",
        r"apprentice\w*",
        r"retrain\w*|reskill\w*|upskill\w*",
    ],
    "technology": [
        r"design (capabilit\w+|software|skills)|no design|\bcad\b",
        r"(no|lack|lacks|without) (modern )?(equipment|machines|software|technology)",
        r"(outdated|obsolete|old) (machines|techniques|methods)",
        r"post-harvest (losses|handling)|processing (capacity|facilities)",
    ],
    "quality_standards": [
        r"(sanitary|phytosanitary|hygiene|traceability)",
        r"audits?|rejects?|rejections|defects",
    ],
    "innovation": [
        r"new products?|product development|prototypes?",
        r"commerciali[sz]\w+|patents?",
    ],
    "input_costs": [
        r"raw materials?|trims|accessories|inputs? (costs|prices|supply|supplies)",
        r"sourcing|purchasing|procure (inputs|materials)",
        r"(buy|source|purchase|obtain) (raw )?(materials|inputs|supplies|components|accessories|"
        r"zips|labels|buttons|trims|yarn|fabric|leather|spare parts)",
        r"(input|feed|fertili[sz]er) (prices|costs)",
    ],
    "infrastructure": [
        r"\broads?\b|electricity|power cuts|water supply|irrigation|cold (chain|storage)",
        r"energy (costs|prices|supply)|broadband|internet (access|connection)",
        r"premises|workspace|industrial (land|estate|zone)|land for",
        r"transport(ation)? (costs|links)|logistics",
    ],
    "regulation": [
        r"approvals?|licen[cs]\w+|permits?",
        r"red tape|bureaucra\w+|paperwork",
        r"certified by (the )?(regulator|authorit\w+)|(slow|costly) (certification|registration)",
        r"(tax|customs) (rules|procedures|burden)",
    ],
    "public_demand": [
        r"(public|state|government|municipal)[- ](owned )?(hospitals?|buyers?|sector customers?|"
        r"procurement|tenders?|purchasers?|utilities|schools)",
        r"(cheapest|lowest) (bid|offer|tender)",
        r"(government|state) (contracts|purchases|tenders|customers)",
        r"lowest price",
    ],
    "decline": [
        *STAGE["declining"],
        r"(cheap|cheaper|low-cost) imports|competition from (china|asia|asian|imports|abroad)",
    ],
    "lock_in": [
        r"ageing|aging (owners|entrepreneurs|workforce)",
        r"(owners|founders|entrepreneurs|managers) are (old|ageing|aging|retiring)|succession",
        r"(conservati\w+|complacen\w+|resist\w* change|inward[- ]looking)",
        r"lobb(y|ies|ying) (mainly )?for (protection|subsidies)",
        r"over generations",
        r"faster (fashion )?cycles",
    ],
    "entrepreneurship": [
        r"start[- ]?ups?|new (firms|ventures|businesses|companies)",
        r"spin[- ]?offs?",
        r"young people (leave|are leaving|move away|emigrate)",
        r"(the )?young(sters)? (move away|leave|emigrate|go to the city)",
        r"diversif\w+",
    ],
    "diversification": [
        r"diversif\w+",
        r"started (working|selling|supplying) (for|to)",
        r"now (serve|supply|work for|sell to)",
        r"new (growth )?(areas|markets|industries|sectors|customers)",
        r"(related|other|neighbouring|adjacent) (industries|sectors|clusters)",
    ],
    "poverty_inclusion": [
        r"home[- ]?(based|workers)",
        r"livelihoods?",
    ],
    "environment": [
        r"pollut\w+|effluents?|waste ?water|emissions",
    ],
    "small_market": [
        r"(domestic|home|local) (market|demand) is (tiny|small|limited|minimal|negligible)",
        r"(tiny|small|limited) (domestic|home) market",
        r"small (industriali[sz]ed |island )?(country|economy)",
        r"critical mass",
    ],
    "investment_gap": [
        r"attract (investment|investors|firms|companies)",
        r"(missing|gaps? in the) (suppliers|links|value chain)",
        r"inward investment|\bfdi\b",
    ],
    "monitoring": [
        r"(show|measure|prove) (results|impact)",
    ],
    "talent": [
        r"young people (leave|are leaving|move away)",
        r"(the )?young(sters)? (move away|leave|emigrate|go to the city)",
        r"brain drain",
        r"lost their jobs|laid off|made redundant|unemployed (workers|engineers|welders)",
        r"(skilled )?(welders|engineers|workers) (lost|leave)",
        r"labou?r shortage|shortage of (workers|staff|engineers|developers|talent)",
        r"(struggle|difficult|hard|cannot|can't|unable) to (hire|recruit|find|keep) "
        r"(\w+ )?(staff|workers|developers|engineers|talent|people|graduates)",
    ],
}

PROPOSALS: dict[str, list[str]] = {
    "rescue_subsidy": [
        r"rescue (package|plan|fund)",
        r"bail[- ]?outs?",
        r"keep (the )?(firms|companies|it|them) afloat",
        r"reopen\w*|restart (the )?(yard|plant|factory|mill|mine|smelter)",
        r"(save|revive) the (yard|plant|factory|mill|mine|smelter|company)",
        r"state money to",
        r"subsidi[sz]\w+ to (reopen|save|rescue)",
    ],
    "protection": [
        r"(lobb(y|ies|ying)|ask(s|ing)?) (mainly )?for protection",
        r"protect\w* (the )?[\w\s]{0,20}(from|against) (imports|competition)",
        r"(tariffs?|import (bans?|restrictions|quotas))",
    ],
    "public_credit_line": [
        r"(subsidi[sz]ed|public|state) (credit line|credit|loans?)",
        r"credit line",
        r"soft loans",
    ],
    "joint_purchasing": [
        r"(joint|collective|common|bulk) (raw[- ]material )?(purchasing|buying|procurement)",
        r"(purchasing|buying) (cooperative|consortium|group)",
    ],
    "government_led": [
        r"(government|ministry|agency) (wants|plans|proposes|intends|is considering) to (start|"
        r"run|lead|launch|set up) (a|the) cluster",
        r"ask(ing|s)? the (government|ministry|state) what",
        r"(government|ministry|agency) wants (a|to (start|launch|set up|run) a) cluster",
        r"(agency|ministry|government) (would|will) (run|lead|manage) (it|the initiative)",
        r"top[- ]down",
    ],
    "cluster_competition": [
        r"cluster competitions?",
        r"(competition|contest) (among|between) "
        r"(regions|clusters)",
        r"call for (proposals|tenders)",
    ],
    "science_park": [r"(science|technology|industrial|research) parks?", r"incubator building"],
    "new_cluster_from_scratch": [
        r"from scratch",
        r"(create|build|establish) a (new )?[\w-]+ cluster",
        r"no (firms|companies) (yet|so far)",
    ],
    "individual_subsidies": [
        r"subsidi\w+ (to|for) (individual|single|selected) (firms|companies|producers)",
        r"grants? to (individual )?(firms|companies)",
        r"(want|wants|ask\w*) (for )?subsidies",
        r"subsidies|state aid",
    ],
    "large_grants": [
        r"(large|big|generous|substantial) (budget|grants?|funding|amounts? of money)",
        r"(plenty of|lots of) money",
    ],
    "free_services": [r"free (of charge|services)", r"fully subsidi[sz]ed"],
    "price_competition": [
        r"compet\w+ (only |mainly |mostly |solely )?on (low )?(cost|price)s?",
        r"undercut\w*",
        r"(cheaper|lower) prices? than",
        r"low[- ]cost (production|competition)",
    ],
    "dominant_association": [
        r"dominated by (the )?(biggest|largest|big|large|few)",
        r"small (firms|producers|members) feel (ignored|left out|excluded|neglected)",
        r"(run|controlled|led) by the (largest|biggest|big|large) "
        r"(firms|exporters|producers|members)",
    ],
    "domestic_focus": [r"mainly domestic", r"(sold|sell) domestically"],
    "studies_first": [r"(commission|start with|first do) (a |an )?(study|studies|mapping)"],
    "mne_led": [
        r"(multinational|mne|foreign|lead firm|the (car |assembly )?plant)( [\w-]+){0,3} "
        r"(should|will|would|wants to|is to) (lead|run|chair|manage)",
    ],
    "copy_model": [
        r"(copy|replicate|emulate|transplant|clone) (the )?[\w\s'-]{0,30}(model|success|"
        r"silicon valley|best practices?)",
        r"(next|new|our own|a local) silicon valley",
    ],
    "quick_results": [
        r"quick results|results (within|in) (a|one|six|\d+) (year|months)",
        r"within (a|one|1) year|in (six|6|twelve|12|eighteen|18) months|by next year",
        r"before the (next )?elections?",
    ],
}

FLAGS: dict[str, list[str]] = {
    "small_country": [
        r"small (industriali[sz]ed |island |european )?(country|countries|economy|nation)",
        r"(country|nation) of (\d|one|two|three|four|five|six|seven|eight|nine)( |\.)\w*\s?million",
        r"(domestic|home) (market|demand) is (tiny|small|minimal)",
        r"(\d|one|two|three|four|five|six|seven|eight|nine)( point \d)?(\.\d)? million "
        r"(inhabitants|people|citizens|residents)",
    ],
    "donor_funded": [
        r"donors?",
        r"\bunido\b|world bank|\bidb\b|usaid|\bgiz\b",
        r"development (agency|cooperation|partner|project)",
    ],
    "rural": [r"rural", r"farming|farmers?|growers?|smallholders?", r"villages?", r"agricultur\w+"],
    "high_tech": [
        r"(bio|nano|medical|med|clean)[- ]?tech\w*",
        r"\bict\b|semiconductor|aerospace|photonics|optics",
        r"software (industry|firms|companies|developers|cluster|houses)",
        r"biotech\w*|pharma\w*",
    ],
    "national_programme": [
        r"national (cluster )?(programme|program|policy|strategy)",
        r"(\d+|forty|thirty|twenty|many|several|dozens of) (clusters|networks|regions|"
        r"small-business networks)",
        r"nationwide|across the country",
    ],
    "fdi": [
        r"multinationals?|\bmnes?\b|\bmncs?\b",
        r"global (corporation|company|firm|group)s?",
        r"foreign (?:[\w-]+ ){0,2}(manufacturers?|compan(y|ies)|investors?|plants?|carmakers?|"
        r"producers?|subsidiar(y|ies))",
        r"foreign[- ](owned|investors?|direct investment|firms?)",
        r"\bfdi\b",
    ],
    "public_willing": [
        r"(keen|willing|eager|ready|wants|want) to (help|support|contribute|co-?finance|invest|"
        r"cooperate|work together)",
        r"(government|ministry|municipalit\w+|council|mayor|agency) (asks|is asking|offers)",
    ],
    "gov_distrust": [
        r"(distrust|mistrust|do not trust|don't trust|suspicious of) (the )?(government|"
        r"authorities|state|ministry|public sector|politicians)",
        r"government (is )?(seen|perceived) as (the |an )?(main |biggest )?obstacle",
        r"corrupt\w*",
    ],
    "crisis": [r"crisis", r"collapsed", r"closed (two|three|\d+) years ago", r"uncompetitive"],
}

SECTORS: dict[str, list[str]] = {
    "agriculture / agri-food": [
        r"bananas?|plantains?|coffee|cocoa|dairy|livestock|fruit|vegetables|rice|tea|cotton "
        r"growers|cashew|flowers|fisher(y|ies)|agri[- ]?food|farming"
    ],
    "wine": [r"wine\w*|vineyards?|grape"],
    "food processing": [r"food process\w+"],
    "textiles and garments": [r"garments?|knitwear|clothing|apparel|textiles?|wool|spinning"],
    "footwear and leather": [r"footwear|shoe\w*|leather|tanner\w+"],
    "furniture and wood": [r"furniture|carpent\w+|woodwork\w*"],
    "metalworking and engineering": [r"metal\w*|machinery|engineering firms|welding"],
    "maritime and shipbuilding": [r"shipyard|shipbuilding|marine|maritime|naval"],
    "medical technology": [r"medical[- ]technology|medtech|implants|diagnostics"],
    "ICT and software": [r"software|\bict\b|\bit services\b"],
    "tourism": [r"touris\w+"],
    "automotive": [r"automotive|car parts|auto parts"],
    "handicrafts": [r"handicrafts?|handloom|weavers|artisans?"],
    "biotechnology": [r"biotech\w*"],
}
