#!/usr/bin/env python3
"""Opens one of Herald's link pages in a real headless browser (Debian's chromium
through chromium-driver, driven with selenium) and presses its button with the
keyboard, as a customer on a phone would with a screen reader or a keyboard.

    link_browser.py --url URL --screenshot-dir DIR [--no-press]

Prints one JSON object on stdout: the page's title, h1, text and form before
the press, whether the button was reached with Tab and its accessible name, and
(unless --no-press) the title, h1 and text of the page the press led to. Saves
DIR/before.png and DIR/after.png (test artefacts). Exits non-zero, with the
reason on stderr, when the browser cannot start or the page has no button.
"""
import argparse
import json
import os
import sys

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait


def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--window-size=390,844", "--disable-extensions", "--no-first-run"):
        options.add_argument(argument)
    service = Service(executable_path=os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver"))
    return webdriver.Chrome(service=service, options=options)


def page(driver):
    h1 = driver.find_elements(By.TAG_NAME, "h1")
    return {"title": driver.title, "h1": h1[0].text if h1 else "", "text": driver.find_element(By.TAG_NAME, "body").text}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--screenshot-dir", required=True)
    parser.add_argument("--no-press", action="store_true")
    arguments = parser.parse_args()

    driver = browser()
    try:
        driver.set_page_load_timeout(30)
        driver.get(arguments.url)
        report = {"before": page(driver)}
        report["before"]["viewport"] = driver.execute_script(
            "return document.querySelector('meta[name=viewport]')?.content || ''")
        report["before"]["scripts"] = len(driver.find_elements(By.TAG_NAME, "script"))
        driver.save_screenshot(os.path.join(arguments.screenshot_dir, "before.png"))
        buttons = driver.find_elements(By.CSS_SELECTOR, "form[method=post] button[type=submit]")
        if not buttons:
            print(json.dumps(report))
            return 0 if arguments.no_press else 3
        button = buttons[0]
        report["button"] = button.accessible_name
        # Reach the button with Tab, as a keyboard user would, and press it with Enter.
        driver.find_element(By.TAG_NAME, "body").send_keys(Keys.TAB)
        report["focused_by_tab"] = driver.switch_to.active_element == button
        if arguments.no_press:
            print(json.dumps(report))
            return 0
        driver.switch_to.active_element.send_keys(Keys.ENTER)
        WebDriverWait(driver, 30).until(expected_conditions.staleness_of(button))
        report["after"] = page(driver)
        driver.save_screenshot(os.path.join(arguments.screenshot_dir, "after.png"))
        print(json.dumps(report))
        return 0
    finally:
        driver.quit()


if __name__ == "__main__":
    sys.exit(main())
