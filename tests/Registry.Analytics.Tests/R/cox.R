# Reference values for Cox regression and subgroup interaction tests, from R's survival package.
# Run from the repository root:
#   Rscript tests/Registry.Analytics.Tests/R/cox.R
# Writes tests/Registry.Analytics.Tests/Fixtures/{Cox,Subgroups}/*.json (input data + R's results at full precision).
# Generated with R 4.2 and survival 3.5-3; coxph.control() defaults unless a case sets "control".
suppressPackageStartupMessages({
  library(survival)
  library(jsonlite)
})
stopifnot(packageVersion("survival") >= "3.5")

fixtures <- "tests/Registry.Analytics.Tests/Fixtures"
for (folder in c("Cox", "Subgroups")) dir.create(file.path(fixtures, folder), recursive = TRUE, showWarnings = FALSE)
source_note <- sprintf("%s, survival %s", R.version.string, packageVersion("survival"))

write_fixture <- function(x, folder, file) {
  write_json(x, file.path(fixtures, folder, file), digits = NA, auto_unbox = TRUE, pretty = TRUE, na = "null")
}

# Runs f() and returns list(value, warnings) with every warning message kept.
capture <- function(f) {
  warns <- character(0)
  value <- withCallingHandlers(f(), warning = function(w) {
    warns <<- c(warns, conditionMessage(w))
    invokeRestart("muffleWarning")
  })
  list(value = value, warnings = warns)
}

# Variables R names in "Loglik converged before variable  i,j ; coefficient may be infinite."
infinite_variables <- function(warns) {
  hit <- grep("Loglik converged before variable", warns, value = TRUE)
  if (length(hit) == 0) return(integer(0))
  as.integer(strsplit(trimws(sub(".*variable +([0-9, ]+);.*", "\\1", hit[1])), ",")[[1]])
}

test_list <- function(stat, df, p) list(chiSquare = unname(stat), df = unname(df), p = unname(p))

# design: list of terms in formula order; each list(kind = "group"|"covariate", name, values, reference?, levels?).
# The model is fitted through an R formula with factors, so R does its own contrast coding.
cox_case <- function(id, description, time, status, design, strata = NULL, ties = "efron",
                     control = coxph.control()) {
  d <- data.frame(time = time, status = status)
  rhs <- character(0)
  names_ours <- character(0)
  input_design <- list()
  for (k in seq_along(design)) {
    term <- design[[k]]
    v <- paste0("v", k)
    if (term$kind == "group") {
      levels <- if (is.null(term$levels)) sort(unique(as.character(term$values))) else term$levels
      f <- relevel(factor(as.character(term$values), levels = levels), ref = term$reference)
      d[[v]] <- f
      names_ours <- c(names_ours, paste0(term$name, "=", levels(f)[-1]))
      input_design[[k]] <- list(kind = "group", name = term$name, reference = term$reference,
                                levels = levels, values = as.character(term$values))
    } else {
      d[[v]] <- as.numeric(term$values)
      names_ours <- c(names_ours, term$name)
      input_design[[k]] <- list(kind = "covariate", name = term$name, values = as.numeric(term$values))
    }
    rhs <- c(rhs, v)
  }
  if (!is.null(strata)) {
    d$s <- as.character(strata)
    rhs <- c(rhs, "strata(s)")
  }
  form <- as.formula(paste("Surv(time, status) ~", paste(rhs, collapse = " + ")))
  run <- capture(function() coxph(form, data = d, ties = ties, control = control))
  fit <- run$value
  stopifnot(length(coef(fit)) == length(names_ours))

  s <- summary(fit)
  beta <- unname(coef(fit))
  se <- sqrt(diag(fit$var))
  aliased <- is.na(beta)
  inf <- infinite_variables(run$warnings)
  ci <- s$conf.int
  terms <- lapply(seq_along(beta), function(j) {
    ok <- !aliased[j]
    list(name = names_ours[j], rName = names(coef(fit))[j], aliased = aliased[j],
         flaggedInfinite = j %in% inf,
         coef = beta[j], se = if (ok) se[j] else NA, hr = if (ok) exp(beta[j]) else NA,
         hrLower = if (ok) unname(ci[j, 3]) else NA, hrUpper = if (ok) unname(ci[j, 4]) else NA,
         z = if (ok) unname(s$coefficients[j, "z"]) else NA,
         p = if (ok) unname(s$coefficients[j, "Pr(>|z|)"]) else NA)
  })
  converged <- !any(grepl("Ran out of iterations", run$warnings))
  df <- sum(!aliased)
  expected <- list(
    terms = terms,
    logLikelihood = unname(fit$loglik),
    iterations = fit$iter,
    converged = converged,
    n = fit$n, events = fit$nevent,
    likelihoodRatio = test_list(s$logtest["test"], s$logtest["df"], s$logtest["pvalue"]),
    wald = test_list(fit$wald.test, df, pchisq(fit$wald.test, df, lower.tail = FALSE)),
    score = test_list(s$sctest["test"], s$sctest["df"], s$sctest["pvalue"]),
    variance = unname(fit$var),
    warnings = I(run$warnings))
  if (!converged) {
    # What R concludes when allowed to finish: which coefficients it then calls possibly infinite.
    more <- capture(function() coxph(form, data = d, ties = ties, control = coxph.control(iter.max = 100)))
    eventually <- infinite_variables(more$warnings)
    for (j in seq_along(terms)) expected$terms[[j]]$flaggedInfiniteWithIterMax100 <- j %in% eventually
    # coxfit6 inverts an unfactored information matrix when it runs out of iterations, so R's own var is not the
    # inverse information there; refit with iter.max = 0 at R's coefficients to get the variance at that point.
    at <- coxph(form, data = d, ties = ties, init = beta, control = coxph.control(iter.max = 0))
    expected$varianceAtEstimate <- unname(at$var)
    expected$logLikelihoodAtEstimate <- at$loglik[1]
  }
  fixture <- list(
    id = id, description = description, source = source_note,
    call = paste(deparse(form), collapse = ""), rNames = names(coef(fit)),
    ties = ties, control = list(eps = control$eps, iterMax = control$iter.max, tolerChol = control$toler.chol),
    input = list(time = as.numeric(time), status = as.integer(status),
                 strata = if (is.null(strata)) NA else as.character(strata), design = input_design),
    expected = expected)
  write_fixture(fixture, "Cox", paste0(id, ".json"))
  invisible(fit)
}

both_ties <- function(id, ...) {
  cox_case(paste0(id, "_efron"), ties = "efron", ...)
  cox_case(paste0(id, "_breslow"), ties = "breslow", ...)
}

# --- bundled data sets -------------------------------------------------------------------------------------
lung1 <- lung
lung1$status <- lung1$status - 1  # 1 = censored, 2 = dead  ->  0/1
both_ties("lung_sex", "lung (NCCTG), status recoded 0/1, ~ sex",
          lung1$time, lung1$status, list(list(kind = "covariate", name = "sex", values = lung1$sex)))

lung2 <- na.omit(lung1[, c("time", "status", "sex", "age", "ph.ecog")])
both_ties("lung_sex_age_ecog", "lung, complete cases of sex, age, ph.ecog",
          lung2$time, lung2$status,
          list(list(kind = "covariate", name = "sex", values = lung2$sex),
               list(kind = "covariate", name = "age", values = lung2$age),
               list(kind = "covariate", name = "ph.ecog", values = lung2$ph.ecog)))

cox_case("lung_sex_age_ecog_iter2", "lung, as above, iter.max = 2: runs out of iterations",
         lung2$time, lung2$status,
         list(list(kind = "covariate", name = "sex", values = lung2$sex),
              list(kind = "covariate", name = "age", values = lung2$age),
              list(kind = "covariate", name = "ph.ecog", values = lung2$ph.ecog)),
         control = coxph.control(iter.max = 2))

both_ties("veteran_celltype_karno_strata_trt", "veteran, celltype (reference large) + karno, strata(trt)",
          veteran$time, veteran$status,
          list(list(kind = "group", name = "celltype", values = as.character(veteran$celltype),
                    reference = "large", levels = levels(veteran$celltype)),
               list(kind = "covariate", name = "karno", values = veteran$karno)),
          strata = paste0("trt", veteran$trt))

vet_trt <- veteran$trt - 1
both_ties("veteran_interaction", "veteran, celltype + trt + karno + trt:karno (caller-built interaction column)",
          veteran$time, veteran$status,
          list(list(kind = "group", name = "celltype", values = as.character(veteran$celltype),
                    reference = "squamous", levels = levels(veteran$celltype)),
               list(kind = "covariate", name = "trt", values = vet_trt),
               list(kind = "covariate", name = "karno", values = veteran$karno),
               list(kind = "covariate", name = "trt:karno", values = vet_trt * veteran$karno)))

both_ties("ovarian_rx_age_ecog", "ovarian, rx (reference 1) + age + ecog.ps",
          ovarian$futime, ovarian$fustat,
          list(list(kind = "group", name = "rx", values = as.character(ovarian$rx), reference = "1"),
               list(kind = "covariate", name = "age", values = ovarian$age),
               list(kind = "covariate", name = "ecog.ps", values = ovarian$ecog.ps)))

colon_death <- na.omit(colon[colon$etype == 2, c("time", "status", "rx", "age", "nodes", "extent")])
both_ties("colon_rx_age_nodes_strata_extent", "colon (death records), rx (reference Obs) + age + nodes, strata(extent)",
          colon_death$time, colon_death$status,
          list(list(kind = "group", name = "rx", values = as.character(colon_death$rx),
                    reference = "Obs", levels = levels(colon_death$rx)),
               list(kind = "covariate", name = "age", values = colon_death$age),
               list(kind = "covariate", name = "nodes", values = colon_death$nodes)),
          strata = paste0("extent", colon_death$extent))

# --- generated data ----------------------------------------------------------------------------------------
set.seed(20240611)
n <- 2500
g_group <- sample(c("A", "B", "C", "D"), n, replace = TRUE)
g_age <- round(rnorm(n, 60, 10), 1)
g_male <- rbinom(n, 1, 0.45)
g_site <- sample(c("site1", "site2", "site3"), n, replace = TRUE)
g_lp <- c(A = 0, B = 0.3, C = -0.2, D = 0.5)[g_group] + 0.02 * (g_age - 60) + 0.3 * g_male
g_event_time <- ceiling(rexp(n, 0.004 * exp(g_lp)))
g_censor <- ceiling(runif(n, 30, 400))
g_time <- pmin(g_event_time, g_censor)
g_status <- as.integer(g_event_time <= g_censor)
g_design <- list(list(kind = "group", name = "group", values = g_group, reference = "A"),
                 list(kind = "covariate", name = "age", values = g_age),
                 list(kind = "covariate", name = "male", values = g_male))
both_ties("generated_heavy_ties_strata", "seed 20240611, n = 2500, integer days (heavy ties), 4-level group, strata(site)",
          g_time, g_status, g_design, strata = g_site)
cox_case("generated_heavy_ties_strata_tight", "as generated_heavy_ties_strata, Efron, coxph.control(eps = 1e-12, iter.max = 50)",
         g_time, g_status, g_design, strata = g_site, control = coxph.control(eps = 1e-12, iter.max = 50))

set.seed(31)
n <- 3000
v_group <- sample(c("ctrl", "low", "mid", "high"), n, replace = TRUE)
v_weight <- round(rnorm(n, 75, 12), 1)
v_smoker <- rbinom(n, 1, 0.3)
v_centre <- sample(c("north", "south"), n, replace = TRUE)
v_lp <- c(ctrl = 0, low = -0.1, mid = -0.25, high = -0.4)[v_group] + 0.01 * (v_weight - 75) + 0.5 * v_smoker
v_week <- pmin(ceiling(rexp(n, 0.03 * exp(v_lp))), 40)
v_status <- as.integer(v_week < 40 & runif(n) < 0.9)
both_ties("generated_weekly_visits", "seed 31, n = 3000, event week 1..40 (dozens of ties per week and centre), strata(centre)",
          v_week, v_status,
          list(list(kind = "group", name = "dose", values = v_group, reference = "ctrl",
                    levels = c("ctrl", "low", "mid", "high")),
               list(kind = "covariate", name = "weight", values = v_weight),
               list(kind = "covariate", name = "smoker", values = v_smoker)),
          strata = v_centre)

set.seed(7)
n <- 150
z_group <- sample(c("A", "B", "C"), n, replace = TRUE)
z_x <- round(rnorm(n), 2)
z_time <- ceiling(rexp(n, 0.05))
z_status <- rbinom(n, 1, 0.7)
z_status[z_group == "C"] <- 0
both_ties("generated_zero_events_group", "seed 7, n = 150, group C has no events: R warns its coefficient may be infinite",
          z_time, z_status,
          list(list(kind = "group", name = "group", values = z_group, reference = "A"),
               list(kind = "covariate", name = "x", values = z_x)))

set.seed(11)
n <- 300
c_x1 <- round(rnorm(n, 10, 3), 2)
c_x2 <- rbinom(n, 1, 0.5)
c_group <- sample(c("A", "B", "C"), n, replace = TRUE)
c_time <- ceiling(rexp(n, 0.02 * exp(0.1 * c_x1)))
c_status <- rbinom(n, 1, 0.8)
both_ties("generated_collinear", "seed 11, n = 300, x3 = x1 - 2*x2 and isB = (group == B): R gives NA for both",
          c_time, c_status,
          list(list(kind = "group", name = "group", values = c_group, reference = "A"),
               list(kind = "covariate", name = "x1", values = c_x1),
               list(kind = "covariate", name = "x2", values = c_x2),
               list(kind = "covariate", name = "x3", values = c_x1 - 2 * c_x2),
               list(kind = "covariate", name = "isB", values = as.numeric(c_group == "B"))))
cox_case("generated_empty_level", "seed 11 data, group with an extra level E that nobody has: R gives NA",
         c_time, c_status,
         list(list(kind = "group", name = "group", values = c_group, reference = "A",
                   levels = c("A", "B", "C", "E")),
              list(kind = "covariate", name = "x1", values = c_x1)))

both_ties("tiny_ties", "six subjects, two tied event pairs",
          c(1, 1, 2, 3, 3, 4), c(1, 1, 0, 1, 1, 0),
          list(list(kind = "covariate", name = "x", values = c(0, 1, 0, 1, 1, 0)),
               list(kind = "covariate", name = "dose", values = c(2.5, 1, 4, 3, 0.5, 2))))

both_ties("monotone_covariate", "eight subjects, larger dose always fails first: monotone likelihood, R warns dose may be infinite",
          c(1, 2, 2, 3, 4, 5, 6, 7), c(1, 1, 1, 0, 1, 1, 0, 1),
          list(list(kind = "covariate", name = "dose", values = c(9.5, 8, 7.5, 7, 5, 3, 2.5, 1)),
               list(kind = "covariate", name = "age", values = c(61, 45, 70, 52, 66, 58, 49, 73))))

# --- subgroup analysis (forest plot) -----------------------------------------------------------------------
# Per level: coxph(Surv ~ treatment [+ strata]) within the subgroup; interaction: anova(fit0, fit1) with
# fit0 = treatment + subgroup, fit1 = treatment * subgroup (likelihood ratio test).
subgroup_case <- function(id, description, time, status, arm, experimental, reference, subgroup,
                          subgroup_name, strata = NULL, ties = "efron") {
  keep <- arm %in% c(experimental, reference)
  levels <- sort(unique(as.character(subgroup[keep])))
  d <- data.frame(time = time[keep], status = status[keep],
                  trt = as.integer(arm[keep] %in% experimental),
                  sg = factor(as.character(subgroup[keep]), levels = levels))
  srhs <- ""
  if (!is.null(strata)) {
    d$s <- as.character(strata[keep])
    srhs <- " + strata(s)"
  }
  effect <- function(dd, label) {
    counts <- list(level = label, n = nrow(dd), events = sum(dd$status),
                   nExperimental = sum(dd$trt == 1), eventsExperimental = sum(dd$status[dd$trt == 1]),
                   nReference = sum(dd$trt == 0), eventsReference = sum(dd$status[dd$trt == 0]))
    if (sum(dd$status) == 0 || length(unique(dd$trt)) < 2)
      return(c(counts, list(estimable = FALSE, hr = NA, hrLower = NA, hrUpper = NA, p = NA, coef = NA, se = NA)))
    run <- capture(function() coxph(as.formula(paste("Surv(time, status) ~ trt", srhs)), data = dd, ties = ties))
    fit <- run$value
    s <- summary(fit)
    flagged <- length(infinite_variables(run$warnings)) > 0
    c(counts, list(estimable = !flagged, hr = exp(unname(coef(fit))),
                   hrLower = unname(s$conf.int[1, 3]), hrUpper = unname(s$conf.int[1, 4]),
                   p = unname(s$coefficients[1, "Pr(>|z|)"]), coef = unname(coef(fit)), se = sqrt(fit$var[1, 1]),
                   warnings = I(run$warnings)))
  }
  subgroups <- lapply(levels, function(l) effect(d[d$sg == l, ], l))
  overall <- effect(d, "All")
  fit0 <- capture(function() coxph(as.formula(paste("Surv(time, status) ~ trt + sg", srhs)), data = d, ties = ties))
  fit1 <- capture(function() coxph(as.formula(paste("Surv(time, status) ~ trt * sg", srhs)), data = d, ties = ties))
  a <- anova(fit0$value, fit1$value)
  fixture <- list(
    id = id, description = description, source = source_note, ties = ties,
    call = c(deparse(formula(fit0$value)), deparse(formula(fit1$value)), "anova(fit0, fit1)"),
    input = list(time = as.numeric(time), status = as.integer(status), arm = as.character(arm),
                 experimental = I(experimental), reference = I(reference),
                 subgroupName = subgroup_name, subgroup = as.character(subgroup), subgroupLevels = levels,
                 strata = if (is.null(strata)) NA else as.character(strata)),
    expected = list(
      overall = overall, subgroups = subgroups,
      interaction = list(chiSquare = a$Chisq[2], df = a$Df[2], p = a[2, "Pr(>|Chi|)"]),
      logLikelihoodMain = fit0$value$loglik[2], logLikelihoodInteraction = fit1$value$loglik[2],
      warnings = I(c(fit0$warnings, fit1$warnings))))
  write_fixture(fixture, "Subgroups", paste0(id, ".json"))
}

colon_sub <- colon[colon$etype == 2, ]
subgroup_case("colon_lev5fu_by_sex", "colon deaths: Lev+5FU vs Obs (Lev excluded) by sex",
              colon_sub$time, colon_sub$status, as.character(colon_sub$rx), "Lev+5FU", "Obs",
              ifelse(colon_sub$sex == 1, "male", "female"), "sex")
subgroup_case("colon_pooled_by_extent_breslow", "colon deaths: Lev and Lev+5FU pooled vs Obs by extent, Breslow",
              colon_sub$time, colon_sub$status, as.character(colon_sub$rx), c("Lev", "Lev+5FU"), "Obs",
              paste0("extent", colon_sub$extent), "extent", ties = "breslow")
subgroup_case("veteran_trt_by_celltype_strata_prior", "veteran: trt 2 vs 1 by celltype, strata(prior)",
              veteran$time, veteran$status, paste0("trt", veteran$trt), "trt2", "trt1",
              as.character(veteran$celltype), "celltype", strata = paste0("prior", veteran$prior))

set.seed(23)
n <- 400
s_arm <- sample(c("placebo", "low", "high"), n, replace = TRUE)
s_region <- sample(c("EU", "US", "ASIA"), n, replace = TRUE)
s_time <- ceiling(rexp(n, 0.01 * ifelse(s_arm == "placebo", 1, 0.7)))
s_status <- rbinom(n, 1, 0.75)
s_status[s_region == "ASIA" & s_arm %in% c("low", "high")] <- 0
subgroup_case("generated_zero_events_arm", "seed 23: low+high vs placebo by region; no events on treatment in ASIA",
              s_time, s_status, s_arm, c("low", "high"), "placebo", s_region, "region")
