"""What every HTML report netdojo writes shares."""

# Set on the page once it has loaded: how many images it has and how many loaded, so a headless
# browser's DOM dump says whether a report really shows its pictures (the tests read it).
IMAGES_CHECK = ("<script>addEventListener('load',()=>{const i=[...document.images];"
                "document.body.dataset.images=i.length;document.body.dataset.imagesLoaded="
                "i.filter(x=>x.complete&&x.naturalWidth>0).length;});</script>")
